/**
 * Headless Debian Chromium with WebGPU on SwiftShader, driven by playwright-core (see
 * ../shared/TESTING.md §3): the sample scene served from this repository on loopback.
 */
import { createRequire } from "node:module";
import { type Browser, type Page } from "playwright-core";
// @ts-expect-error plain JS module without types
import { StartServer } from "../../sample-scene/serve.js";

// playwright-core is CommonJS; loading it through jest's ESM loader trips over its circular imports.
const { chromium } = createRequire(import.meta.url)("playwright-core") as typeof import("playwright-core");

/** The flags WebGPU needs in headless Chromium here (TESTING.md P7). */
export const ChromiumArgs = [
    "--no-sandbox",
    "--enable-unsafe-webgpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-features=Vulkan",
    "--use-vulkan=swiftshader",
    "--use-angle=vulkan",
];

/** A running server and browser. */
export interface IBrowserSession {
    browser: Browser;
    baseUrl: string;
    close(): Promise<void>;
}

/**
 * Starts the static server and Chromium.
 * @param mounts URL prefixes (ending in "/") served from other folders than the repository
 */
export async function StartBrowser(mounts: Array<[string, string]> = []): Promise<IBrowserSession> {
    const server: { url: string; close: () => Promise<void> } = await StartServer(0, mounts);
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ChromiumArgs });
    return {
        browser,
        baseUrl: server.url,
        close: async () => {
            await browser.close();
            await server.close();
        },
    };
}

/** A page with its console errors collected. */
export interface ISamplePage {
    page: Page;
    errors: string[];
}

/**
 * Opens the sample scene and waits until the avatar is ready (or fails fast on an error).
 * @param session the browser session
 * @param query query string for the sample (e.g. "size=256")
 * @param initScript runs in the page before its own scripts
 */
export async function OpenSample(session: IBrowserSession, query: string, initScript?: () => void): Promise<ISamplePage> {
    const page = await session.browser.newPage({ viewport: { width: 320, height: 320 } });
    if (initScript) {
        await page.addInitScript(initScript);
    }
    const errors: string[] = [];
    page.on("console", (m) => {
        if (m.type() === "error" || /validation|WebGPU error/i.test(m.text())) {
            errors.push(m.text());
        }
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${session.baseUrl}sample-scene/?${query}`);
    await page.waitForFunction(() => window.nofaSample && (window.nofaSample.ready || window.nofaSample.error !== null), null, { timeout: 90_000 });
    const error = await page.evaluate(() => window.nofaSample.error);
    if (error) {
        throw new Error(`sample scene failed: ${error}\n${errors.join("\n")}`);
    }
    return { page, errors };
}
