/** Stands in for node.ts in the browser build: there are no worker threads to evaluate on. */
export class BackgroundEvaluation {
  static start(): never {
    throw new Error('runRotatedMnist: backgroundEvaluation needs Node worker threads; this is the browser build');
  }
}
