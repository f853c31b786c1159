/** The Markdown summary of a report (printed on stdout by `form-detect eval`), and the adapter-versus-base comparison. */
import type { DetectionMetrics } from './metrics';
import { thresholdKey, type EvalReport } from './score';

const percent = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
const ratio = (value: number | null) => (value === null ? '–' : value.toFixed(3));
const signedPoints = (value: number | null) =>
  value === null ? '–' : `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)} pt`;
const signedRatio = (value: number | null) =>
  value === null ? '–' : `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const header = (cells: string[]) => [row(cells), row(cells.map(() => '---'))];
/** `|` would end a Markdown cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|');
const atLevel = (threshold: number) => `IoU ≥ ${threshold}`;

const metricCells = (m: DetectionMetrics) => [
  percent(m.precision),
  percent(m.recall),
  percent(m.f1),
  ratio(m.meanIou),
  m.truth,
  m.predicted,
  m.matched,
];

/** The headline threshold: 0.5 when reported, else the middle one. */
export function headlineThreshold(report: Pick<EvalReport, 'thresholds'>): number {
  return report.thresholds.includes(0.5) ? 0.5 : report.thresholds[Math.floor(report.thresholds.length / 2)];
}

export function formatReportMarkdown(report: EvalReport, title = 'Detection scores'): string {
  const headline = headlineThreshold(report);
  const key = thresholdKey(headline);
  const pages = report.files.reduce((sum, file) => sum + file.pages.length, 0);
  const lines: string[] = [`## ${title}`, ''];
  if (report.models.length > 0) lines.push(`Model: ${report.models.map((m) => `\`${m}\``).join(', ')}`, '');
  lines.push(
    `Overall, micro-averaged over ${pages} page(s) of ${report.files.length} file(s); optimal one-to-one matching per page.`,
    '',
    ...header(['IoU', 'precision', 'recall', 'F1', 'mean IoU', 'truth', 'predicted', 'matched']),
    ...report.thresholds.map((t) => row([atLevel(t), ...metricCells(report.overall[thresholdKey(t)])])),
    '',
  );
  if (report.files.length > 0) {
    lines.push(
      `Per file, ${atLevel(headline)}:`,
      '',
      ...header(['file', 'pages', 'precision', 'recall', 'F1', 'mean IoU', 'truth', 'predicted', 'matched']),
      ...report.files.map((f) => row([cell(f.file), f.pages.length, ...metricCells(f.overall[key])])),
      '',
    );
  }
  const types = Object.entries(report.types);
  if (types.length > 0) {
    lines.push(
      'Per field type (recall only: predictions have no type):',
      '',
      ...header(['type', 'truth', ...report.thresholds.map((t) => `recall @ ${t}`), `mean IoU @ ${headline}`]),
      ...types.map(([type, levels]) =>
        row([
          cell(type),
          levels[key]?.truth ?? 0,
          ...report.thresholds.map((t) => percent(levels[thresholdKey(t)].recall)),
          ratio(levels[key]?.meanIou ?? null),
        ]),
      ),
      '',
    );
  }
  if (report.unscored.length > 0) {
    lines.push(`Not scored (${report.unscored.length}):`, '');
    for (const u of report.unscored)
      lines.push(`- ${u.file}${u.page === undefined ? '' : ` page ${u.page}`}: ${u.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Adapter minus base, per threshold; null where either side has no value. */
export interface MetricsDifference {
  precision: number;
  recall: number;
  f1: number;
  meanIou: number | null;
}

export interface ComparisonReport {
  thresholds: number[];
  adapter: { models: string[]; overall: EvalReport['overall'] };
  base: { models: string[]; overall: EvalReport['overall'] };
  /** adapter − base. */
  difference: Record<string, MetricsDifference>;
  /** Per truth field type, recall of adapter − base. */
  typeRecallDifference: Record<string, Record<string, number>>;
}

/**
 * What the adapter adds on the same deployment: both reports' overall figures and their difference. The two reports
 * must be scored on the same truth at the same thresholds.
 */
export function compareReports(adapter: EvalReport, base: EvalReport): ComparisonReport {
  if (adapter.thresholds.join() !== base.thresholds.join()) {
    throw new Error(
      `the reports were scored at different IoU thresholds (${adapter.thresholds} and ${base.thresholds})`,
    );
  }
  const difference = Object.fromEntries(
    adapter.thresholds.map((t) => {
      const a = adapter.overall[thresholdKey(t)];
      const b = base.overall[thresholdKey(t)];
      return [
        thresholdKey(t),
        {
          precision: a.precision - b.precision,
          recall: a.recall - b.recall,
          f1: a.f1 - b.f1,
          meanIou: a.meanIou === null || b.meanIou === null ? null : a.meanIou - b.meanIou,
        },
      ];
    }),
  );
  const typeRecallDifference = Object.fromEntries(
    Object.entries(adapter.types)
      .filter(([type]) => base.types[type])
      .map(([type, levels]) => [
        type,
        Object.fromEntries(
          adapter.thresholds.map((t) => [
            thresholdKey(t),
            levels[thresholdKey(t)].recall - base.types[type][thresholdKey(t)].recall,
          ]),
        ),
      ]),
  );
  return {
    thresholds: [...adapter.thresholds],
    adapter: { models: adapter.models, overall: adapter.overall },
    base: { models: base.models, overall: base.overall },
    difference,
    typeRecallDifference,
  };
}

export function formatComparisonMarkdown(comparison: ComparisonReport): string {
  const name = (models: string[]) => (models.length > 0 ? models.map((m) => `\`${m}\``).join(', ') : 'unknown');
  const lines = [
    '## Adapter versus base model (same deployment)',
    '',
    `Adapter: ${name(comparison.adapter.models)}; base: ${name(comparison.base.models)}.`,
    '',
    ...header(['IoU', 'metric', 'adapter', 'base', 'difference']),
  ];
  for (const t of comparison.thresholds) {
    const key = thresholdKey(t);
    const a = comparison.adapter.overall[key];
    const b = comparison.base.overall[key];
    const d = comparison.difference[key];
    lines.push(
      row([atLevel(t), 'precision', percent(a.precision), percent(b.precision), signedPoints(d.precision)]),
      row([atLevel(t), 'recall', percent(a.recall), percent(b.recall), signedPoints(d.recall)]),
      row([atLevel(t), 'F1', percent(a.f1), percent(b.f1), signedPoints(d.f1)]),
      row([atLevel(t), 'mean IoU', ratio(a.meanIou), ratio(b.meanIou), signedRatio(d.meanIou)]),
    );
  }
  return `${lines.join('\n')}\n`;
}
