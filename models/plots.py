"""Loss curves as PNG."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def loss_curves(history, path, title):
    """history: {"step": [...], name: [...]} → a log-scale plot of every named series."""
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    for name, values in history.items():
        if name != "step":
            ax.plot(history["step"], values, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
