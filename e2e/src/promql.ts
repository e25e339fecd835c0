// What a PromQL query reads, found with Prometheus's own grammar (@prometheus-io/lezer-promql, the parser
// of Prometheus's web UI): each series selector's metric name, the label names the query relies on for
// it, and the range function over it. Tests check these against what the apps export, so a misspelled
// metric or label in a dashboard or an alert fails a test instead of drawing an empty panel forever.
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selection {
  /** The metric name as written: a histogram's `x_bucket` stays `x_bucket`. */
  metric: string;
  /** Its label matchers, `__name__` left out. */
  matchers: LabelMatcher[];
  /**
   * Every label name the query needs on this metric: those of its matchers and those of each by, without,
   * on and ignoring clause it is under (a label missing there silently merges or drops series).
   */
  labels: string[];
  /** The function taking it as a range (`rate(x[5m])`, `delta(x[5m:1m])`), if any. */
  rangeFunction?: string;
}

/** Nodes between a selector and the function that takes it as a range. */
const RANGE_WRAPPERS = new Set(['MatrixSelector', 'SubqueryExpr', 'OffsetExpr', 'ParenExpr']);

/** Parses `query` and lists its series selectors; throws on a syntax error or a form it does not read. */
export function selectionsOf(query: string): Selection[] {
  const tree = parser.parse(query);
  const text = (node: SyntaxNode) => query.slice(node.from, node.to);
  const fail = (node: SyntaxNode, problem: string): never => {
    throw new Error(`${problem} at ${node.from} in PromQL: ${query}`);
  };
  tree.iterate({
    enter(node) {
      if (node.type.isError) fail(node.node, 'syntax error');
    },
  });

  const groupingLabels = (node: SyntaxNode | null): string[] =>
    node
      ? node.getChildren('GroupingLabels').flatMap((list) => {
          if (list.getChild('QuotedLabelName')) fail(list, 'quoted label name (not read here)');
          return list.getChildren('LabelName').map(text);
        })
      : [];

  const stringValue = (literal: string) =>
    literal.startsWith('"') ? (JSON.parse(literal) as string) : literal.slice(1, -1);

  const selections: Selection[] = [];
  const visit = (node: SyntaxNode, inherited: string[]) => {
    switch (node.name) {
      case 'AggregateExpr': {
        const labels = [...inherited, ...groupingLabels(node.getChild('AggregateModifier'))];
        for (const child of node.getChildren('FunctionCallBody')) visit(child, labels);
        return;
      }
      case 'BinaryExpr': {
        // on/ignoring name labels both sides are matched by; group_left/right's extra labels are taken as
        // needed on both sides too, stricter than Prometheus (which copies them from one side).
        const clause = node.getChild('MatchingModifierClause');
        const labels = [...inherited, ...groupingLabels(clause)];
        for (let child = node.firstChild; child; child = child.nextSibling) {
          if (child.name !== 'MatchingModifierClause') visit(child, labels);
        }
        return;
      }
      case 'VectorSelector': {
        const matchers: LabelMatcher[] = [];
        const matcherList = node.getChild('LabelMatchers');
        if (matcherList?.getChild('QuotedLabelMatcher')) fail(matcherList, 'quoted matcher (not read here)');
        for (const matcher of matcherList?.getChildren('UnquotedLabelMatcher') ?? []) {
          matchers.push({
            label: text(matcher.getChild('LabelName')!),
            op: text(matcher.getChild('MatchOp')!) as LabelMatcher['op'],
            value: stringValue(text(matcher.getChild('StringLiteral')!)),
          });
        }
        const identifier = node.getChild('Identifier');
        const byName = matchers.find((matcher) => matcher.label === '__name__' && matcher.op === '=');
        const metric = identifier ? text(identifier) : byName?.value;
        if (!metric) return fail(node, 'selector without a metric name');

        let outer = node.parent;
        let ranged = false;
        while (outer && RANGE_WRAPPERS.has(outer.name)) {
          ranged ||= outer.name === 'MatrixSelector' || outer.name === 'SubqueryExpr';
          outer = outer.parent;
        }
        const call = ranged && outer?.name === 'FunctionCallBody' ? outer.parent : null;
        const rangeFunction = call?.name === 'FunctionCall' ? text(call.getChild('FunctionIdentifier')!) : undefined;

        const own = matchers.filter((matcher) => matcher.label !== '__name__');
        selections.push({
          metric,
          matchers: own,
          labels: [...new Set([...own.map((matcher) => matcher.label), ...inherited])],
          ...(rangeFunction ? { rangeFunction } : {}),
        });
        return;
      }
      default:
        for (let child = node.firstChild; child; child = child.nextSibling) visit(child, inherited);
    }
  };
  visit(tree.topNode, []);
  return selections;
}
