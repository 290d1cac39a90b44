// Entry of the `nofa-babylon` command (dist/cli/nofa-babylon.mjs).
import { RunNofaCliAsync } from "./nofaCli";

process.exitCode = await RunNofaCliAsync(process.argv.slice(2));
