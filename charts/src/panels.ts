// A small declarative layer over @grafana/grafana-foundation-sdk: a panel is its kind, title,
// unit and PromQL queries; every panel and query uses the dashboard's Prometheus data source
// variable, so the dashboards work whatever the data source is called where they are imported.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { ReduceDataOptionsBuilder, ScaleDistribution, ScaleDistributionConfigBuilder, VizLegendOptionsBuilder, LegendDisplayMode, LegendPlacement, VisibilityMode } from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder, VariableRefresh, VariableSort, type DataTransformerConfig, type Dashboard, type Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as BarChartPanel } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as PieChartPanel } from '@grafana/grafana-foundation-sdk/piechart';

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  legend?: string;
  /** one value per series at the end of the range (stat, bar charts) instead of a curve */
  instant?: boolean;
  /** table frames (one row per series, labels as columns) */
  table?: boolean;
}

export interface PanelSpec {
  kind: 'timeseries' | 'stat' | 'bargauge' | 'barchart' | 'piechart';
  title: string;
  description: string;
  queries: Query[];
  unit?: string;
  /** logarithmic value axis (losses, learning rates) */
  log?: boolean;
  /** grid columns out of 24 (default 12) and rows (default 8) */
  width?: number;
  height?: number;
  /** relative time range of this panel only, e.g. "30d" for nightly history */
  timeFrom?: string;
  transformations?: DataTransformerConfig[];
  /** bar charts: the field on the x axis */
  xField?: string;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface VariableSpec {
  name: string;
  label: string;
  /** label_values(...) query */
  query: string;
  /** several values at once, with an "All" option matching every value */
  multi?: boolean;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  time: string;
  variables: VariableSpec[];
  rows: RowSpec[];
}

function target(q: Query, i: number): DataqueryBuilder {
  const b = new DataqueryBuilder().datasource(DATASOURCE).expr(q.expr).refId(String.fromCharCode(65 + i));
  if (q.legend) b.legendFormat(q.legend);
  if (q.instant) b.instant();
  else b.range();
  if (q.table) b.format(PromQueryFormat.Table);
  return b;
}

function logScale(): ScaleDistributionConfigBuilder {
  return new ScaleDistributionConfigBuilder().type(ScaleDistribution.Log).log(10);
}

function legend(): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);
}

function lastValue(): ReduceDataOptionsBuilder {
  return new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);
}

export function panel(p: PanelSpec): cog.Builder<Panel> {
  const common = <T extends { title(t: string): T; description(d: string): T; datasource(d: typeof DATASOURCE): T; span(w: number): T; height(h: number): T; withTarget(t: DataqueryBuilder): T; unit(u: string): T; timeFrom(t: string): T; transformations(t: DataTransformerConfig[]): T }>(b: T): T => {
    b.title(p.title).description(p.description).datasource(DATASOURCE).span(p.width ?? 12).height(p.height ?? 8);
    p.queries.forEach((q, i) => b.withTarget(target(q, i)));
    if (p.unit) b.unit(p.unit);
    if (p.timeFrom) b.timeFrom(p.timeFrom);
    if (p.transformations) b.transformations(p.transformations);
    return b;
  };
  switch (p.kind) {
    case 'timeseries': {
      const b = common(new TimeseriesPanel()).legend(legend());
      if (p.log) b.scaleDistribution(logScale());
      return b;
    }
    case 'stat':
      return common(new StatPanel()).reduceOptions(lastValue());
    case 'bargauge':
      return common(new BarGaugePanel()).reduceOptions(lastValue());
    case 'piechart':
      return common(new PieChartPanel()).reduceOptions(lastValue());
    case 'barchart': {
      const b = common(new BarChartPanel()).showValue(VisibilityMode.Auto).legend(legend());
      if (p.xField) b.xField(p.xField);
      if (p.log) b.scaleDistribution(logScale());
      return b;
    }
  }
}

export function buildDashboard(d: DashboardSpec): Dashboard {
  const b = new DashboardBuilder(d.title)
    .uid(d.uid)
    .description(d.description)
    .tags(d.tags)
    .editable()
    .refresh('30s')
    .time({ from: `now-${d.time}`, to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  for (const v of d.variables) {
    const qv = new QueryVariableBuilder(v.name)
      .label(v.label)
      .datasource(DATASOURCE)
      .query(v.query)
      .definition(v.query)
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalDesc);
    if (v.multi) qv.multi(true).includeAll(true).allValue('.*');
    b.withVariable(qv);
  }
  for (const row of d.rows) {
    b.withRow(new RowBuilder(row.title));
    for (const p of row.panels) b.withPanel(panel(p));
  }
  return b.build();
}
