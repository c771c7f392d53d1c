/** What a platform hands the device layer: a GPU object to request adapters from, and advice. */
export interface GpuEntry {
  gpu: GPU;
  featureLevel: 'core' | 'compatibility';
  /** What to tell the user when no adapter is found. */
  installHint: string;
}
