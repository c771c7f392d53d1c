/**
 * Plots as SVG text, from a run's result: pure functions with no DOM and no Node, so the CLI writes
 * them to files and the browser app puts them into the page.
 */
export { plotResult } from './plot-result.js';
export { plotComparison } from './compare-plot.js';
// The panels, for a page that draws a run in progress (a partial matrix, `trained` naming every training experience).
export { accuracyCurves } from './curves.js';
export { accuracyHeatmap, trainedNames } from './heatmap.js';
export type { Frame } from './axes.js';
export { compareResults, spread, type Comparison, type MethodGroup, type Spread } from './comparison.js';
export { checkResult, type PlotInput, type RegressionRun, type RegressionTask } from './result-shape.js';
export { runTitle, summaryLine } from './summary.js';
export { meanSquaredError } from './regression.js';
