/**
 * Ctrl-C during `webgpu-cl run`. The first press aborts the run through Strategy's signal: it stops
 * at the next step boundary, and the command then says what is saved and prints the exact command that
 * resumes, and exits with 130 (128 + SIGINT, the shell's convention). A second press exits at once.
 *
 * What is saved (--checkpoint): a checkpoint when each experience finishes, and one where the run
 * stopped, inside the interrupted experience (cl/strategy/mid-experience.ts): resuming goes on from that
 * step and ends with the uninterrupted run's matrix. A method whose optimizer state cannot be saved
 * between steps (gradient-projection layers) gets the state at the start of the interrupted experience:
 * its steps run again.
 */

/** Exit status of a run stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

export interface RunCommand {
  scenario: string;
  /** The run's options as given (after the scenario). */
  argv: readonly string[];
  /** --checkpoint and --resume, if given. */
  checkpoint?: string;
  resume?: string;
}

export class CtrlC {
  private readonly controller = new AbortController();
  private readonly onSigint = () => {
    if (this.controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    this.controller.abort();
    this.stream.write('\ninterrupted: stopping at the next step (press Ctrl-C again to quit at once)\n');
  };
  /** What the checkpoint this process wrote last holds (null: none written): experiences finished, and the step inside the next one. */
  saved: { completed: number; stoppedAt: { experience: number; epoch: number; step: number } | null } | null = null;
  /** The stopped run's AbortError message: where it stopped (Strategy.run: aborted after step s/n of experience e/N …). */
  private where = '';

  constructor(private readonly stream: NodeJS.WritableStream = process.stderr) {
    process.on('SIGINT', this.onSigint);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True when `e` is the AbortError of the run this Ctrl-C stopped. */
  stopped(e: unknown): boolean {
    const stopped = this.controller.signal.aborted && (e as Error | null)?.name === 'AbortError';
    if (stopped) this.where = `${(e as Error).message}\n`;
    return stopped;
  }

  /** Where the run stopped, what was saved, and the command that resumes (or starts over). */
  advice(run: RunCommand): string {
    return this.where + this.saving(run);
  }

  private saving(run: RunCommand): string {
    if (!run.checkpoint) return 'run stopped; nothing was saved (--checkpoint <file> saves the run after every experience)\n';
    if (this.saved?.stoppedAt) {
      const { experience, epoch, step } = this.saved.stoppedAt;
      return `run stopped: ${run.checkpoint} holds experience ${experience + 1} up to step ${step} of epoch ${epoch + 1}; resuming goes on from there. Resume with:\n  ${resumeCommand(run, run.checkpoint)}\n`;
    }
    if (this.saved !== null) {
      return `run stopped: ${run.checkpoint} holds the state after experience ${this.saved.completed} (steps of the next experience, if any were taken, are not in it and run again). Resume with:\n  ${resumeCommand(run, run.checkpoint)}\n`;
    }
    if (run.resume) return `run stopped before another experience finished; ${run.resume} still holds the state to resume from. Resume with:\n  ${resumeCommand(run, run.resume)}\n`;
    return `run stopped before the first experience finished: no checkpoint was written. Run the same command again to start over.\n`;
  }

  /** Removes the SIGINT handler (Ctrl-C then ends the process as usual). */
  dispose(): void {
    process.off('SIGINT', this.onSigint);
  }
}

/** `webgpu-cl run <scenario> <the same options> --resume <from>`, quoted for a POSIX shell. */
export function resumeCommand(run: RunCommand, from: string): string {
  const kept: string[] = [];
  for (let i = 0; i < run.argv.length; i++) {
    const a = run.argv[i]!;
    if (a === '--resume') i++;
    else if (!a.startsWith('--resume=')) kept.push(a);
  }
  return ['webgpu-cl', 'run', run.scenario, ...kept, '--resume', from].map(shellQuote).join(' ');
}

/** The word as a POSIX shell reads it back: bare when safe, else in single quotes. */
function shellQuote(word: string): string {
  return /^[\w./,:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
