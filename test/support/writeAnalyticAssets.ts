// Writes the analytic test pack and avatar: `npx tsx test/support/writeAnalyticAssets.ts DIR`.
import { WriteAnalyticAssets } from "./analyticHead";

const dir = process.argv[2];
if (!dir) {
    console.error("usage: tsx test/support/writeAnalyticAssets.ts OUTPUT_DIR");
    process.exit(2);
}
await WriteAnalyticAssets(dir);
console.log(`analytic pack and avatar written to ${dir}`);
