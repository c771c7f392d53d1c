// Prints the WebGPU adapter Dawn finds here (exit 0), or exits 1 when there is none.
import { createRequire } from 'node:module';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const require = createRequire(import.meta.url);
const { create } = require('webgpu');
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) { console.error('no WebGPU adapter'); process.exit(1); }
console.log(`WebGPU adapter: ${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim());
