/** One device per test file, opened in beforeAll (the software adapter takes a moment). */
import { afterAll, beforeAll } from 'vitest';
import { initDevice, manualSeed, type Device, type DeviceOptions } from '../../index.js';

export function useDevice(options: DeviceOptions = {}): () => Device {
  let device: Device | undefined;
  beforeAll(async () => {
    device = await initDevice(options);
    manualSeed(1234);
  });
  afterAll(() => {
    device?.destroy();
  });
  return () => {
    if (!device) throw new Error('device not ready: call useDevice() at the top of the describe block');
    return device;
  };
}
