"""Device choice and the multi-GPU path: under `torchrun` (WORLD_SIZE set) each process joins
torch.distributed, takes its own GPU and wraps the networks in DistributedDataParallel. Also the
command-line options every trainer shares."""
import argparse
import os
import shlex
import sys

import torch


def trainer_parser(description, out):
    """An argument parser with the options every trainer takes: data, output, seed, device, threads, α size."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ict", help="ICT-FaceKit folder (default $NOFA_ICT_DIR or ../shared/ict-facekit)")
    p.add_argument("--out", default=out)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--alpha-dims", type=int, default=20)
    return p


class Runtime:
    def __init__(self, device="cpu", threads=2):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        if self.world > 1:
            local = int(os.environ.get("LOCAL_RANK", "0"))
            backend = "nccl" if device.startswith("cuda") else "gloo"
            torch.distributed.init_process_group(backend)
            if device.startswith("cuda"):
                device = "cuda:%d" % local
                torch.cuda.set_device(local)
        self.device = torch.device(device)
        torch.set_num_threads(threads)

    @property
    def main(self):
        return self.rank == 0

    def wrap(self, module):
        """The module for training: DDP-wrapped when distributed."""
        module = module.to(self.device)
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            return torch.nn.parallel.DistributedDataParallel(module, device_ids=ids)
        return module

    def close(self):
        if self.world > 1:
            torch.distributed.destroy_process_group()


def command_line(module):
    """The exact invocation of this process, for provenance."""
    return " ".join(shlex.quote(a) for a in ["/usr/bin/python3", "-m", module] + sys.argv[1:])


def explicit_command(module, args):
    """The invocation with every option spelled out (from a checkpoint's args), so that it
    reproduces the run even after the defaults change."""
    words = ["/usr/bin/python3", "-m", module]
    for key, value in args.items():
        if value is None or value is False:
            continue
        words.append("--" + key.replace("_", "-"))
        if value is True:          # a store_true flag
            continue
        words += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return " ".join(shlex.quote(w) for w in words)


def unwrap(module):
    return module.module if hasattr(module, "module") else module
