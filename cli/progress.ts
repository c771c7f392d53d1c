/**
 * A one-line progress bar on stderr: label, bar, counts, samples/s and ETA. Redraws at most every
 * 100 ms; on a non-TTY stderr (CI logs) it prints a plain line every 10 % instead.
 */
export class ProgressBar {
  private start = Date.now();
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(private readonly total: number, private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(done: number, samples: number, extra = ''): void {
    const now = Date.now();
    const frac = this.total ? Math.min(done / this.total, 1) : 1;
    const elapsed = (now - this.start) / 1000;
    const rate = elapsed > 0 ? samples / elapsed : 0;
    const eta = frac > 0 ? elapsed * (1 / frac - 1) : 0;
    const text = `${this.label} ${done}/${this.total} ${rate.toFixed(0)} samples/s ETA ${eta.toFixed(0)}s${extra ? ` ${extra}` : ''}`;
    if (this.stream.isTTY) {
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(frac * width);
      this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      this.stream.write(`${text}\n`);
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
