/**
 * "Processchema": the templates of one process as a diagram — event → conditions → action →
 * follow-ups (reminder, created task or dossier), and the templates an action starts — with the
 * actions of each node in a chosen period counted by status (`GET /api/processes/{p}/map`). The
 * diagram is SVG laid out here (one row per template, rows ordered so that what starts another
 * template comes first); every node links to its template's form. The same data follows as a
 * list, for the keyboard and screen readers.
 */
import { Group, List, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useLocation, useSearch } from 'wouter';
import { api, apiPath, withQuery } from '../api.js';
import { fromZoned, toZoned, useI18n, useTimeZone } from '../i18n.js';
import { AppLink, PageHead, Query, ScrollBox } from '../ui.js';
import { useTemplatesList } from './template-form.js';
import {
  CHARS,
  NODE_H,
  NODE_W,
  type MapEdge,
  type MapNode,
  type ProcessMap,
  layoutMap,
  wrapLabel,
} from '../process-map-layout.js';
import { DateField } from '../date-field.js';

const DAY = 86_400_000;
function useCountsText() {
  const { t, tOr } = useI18n();
  return (counts: MapNode['counts']) => {
    const parts = Object.entries(counts ?? {})
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${tOr(`status.${status}`, status)} ${n}`);
    return parts.length > 0 ? parts.join(' · ') : t('processMap.noActions');
  };
}

const KIND_CLASS: Record<MapNode['kind'], string> = {
  event: 'pm-event',
  conditions: 'pm-conditions',
  action: 'pm-action',
  reminder: 'pm-action',
  creates: 'pm-creates',
};

function Diagram({ map }: { map: ProcessMap }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const countsText = useCountsText();
  const { position, width, height } = layoutMap(map);
  const edgePath = (e: MapEdge) => {
    const a = position.get(e.from);
    const b = position.get(e.to);
    if (!a || !b) return null;
    if (e.kind === 'flow' && a.y === b.y)
      return `M${a.x + NODE_W},${a.y + NODE_H / 2} L${b.x - 4},${b.y + NODE_H / 2}`;
    if (e.kind === 'flow')
      return `M${a.x + NODE_W / 2},${a.y + NODE_H} L${a.x + NODE_W / 2},${b.y + NODE_H / 2} L${b.x - 4},${b.y + NODE_H / 2}`;
    // A template that starts another: from the bottom of the action round to the left of the event.
    const sx = a.x + NODE_W / 2;
    const sy = a.y + NODE_H;
    const ex = b.x - 4;
    const ey = b.y + NODE_H / 2;
    return `M${sx},${sy} C${sx},${ey} ${ex - 60},${ey} ${ex},${ey}`;
  };
  return (
    <ScrollBox minWidth={width}>
      <svg
        className="process-map"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="group"
        aria-label={t('processMap.diagram', { process: map.process })}
        data-testid="process-map-diagram"
      >
        <defs>
          <marker
            id="pm-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="pm-arrowhead" />
          </marker>
        </defs>
        {map.edges.map((e, i) => {
          const d = edgePath(e);
          return d ? (
            <path
              key={i}
              d={d}
              className={e.kind === 'trigger' ? 'pm-edge pm-trigger' : 'pm-edge'}
              markerEnd="url(#pm-arrow)"
            ></path>
          ) : null;
        })}
        {map.nodes.map((n) => {
          const p = position.get(n.id)!;
          const href = `/templates/${encodeURIComponent(n.templateId)}`;
          const counted = n.kind === 'action' || n.kind === 'reminder';
          const lines = wrapLabel(n.label, CHARS, counted ? 2 : 3);
          const counts = counted ? countsText(n.counts) : '';
          return (
            <a
              key={n.id}
              href={href}
              className="pm-node"
              onClick={(e) => {
                e.preventDefault();
                navigate(href);
              }}
              data-node={n.id}
            >
              {/* The full text (the box may cut the label short): the link's name and its tooltip. */}
              <title>{`${t(`processMap.kind.${n.kind}`)}: ${n.label}${counted ? ` — ${counts}` : ''}`}</title>
              <rect
                x={p.x}
                y={p.y}
                width={NODE_W}
                height={NODE_H}
                rx={n.kind === 'conditions' ? 2 : 8}
                className={KIND_CLASS[n.kind]}
              />
              <text x={p.x + 10} y={p.y + 16} className="pm-kind">
                {t(`processMap.kind.${n.kind}`)}
              </text>
              {lines.map((line, i) => (
                <text key={i} x={p.x + 10} y={p.y + 34 + i * 16} className="pm-label">
                  {line}
                </text>
              ))}
              {counted ? (
                <text x={p.x + 10} y={p.y + NODE_H - 8} className="pm-counts">
                  {wrapLabel(counts, CHARS + 2, 1)[0]}
                </text>
              ) : null}
            </a>
          );
        })}
      </svg>
    </ScrollBox>
  );
}

/** The same map as a list: per template its steps, counts and the templates it starts. */
function MapList({ map }: { map: ProcessMap }) {
  const { t } = useI18n();
  const countsText = useCountsText();
  const { order } = layoutMap(map);
  const names = new Map(map.nodes.filter((n) => n.kind === 'action').map((n) => [n.templateId, n.label]));
  const templateOf = new Map(map.nodes.map((n) => [n.id, n.templateId]));
  return (
    <Stack gap="sm" data-testid="process-map-list">
      {order.map((id) => {
        const nodes = map.nodes.filter((n) => n.templateId === id);
        const ids = new Set(nodes.map((n) => n.id));
        const out = map.edges.filter((e) => e.kind === 'trigger' && ids.has(e.from));
        return (
          <Paper key={id} withBorder p="sm">
            <Title order={3} size="h5" mb={4}>
              <AppLink href={`/templates/${encodeURIComponent(id)}`}>{names.get(id) ?? id}</AppLink>
            </Title>
            <List size="sm" spacing={2}>
              {nodes.map((n) => (
                <List.Item key={n.id}>
                  <strong>{t(`processMap.kind.${n.kind}`)}:</strong> {n.label}
                  {n.kind === 'action' || n.kind === 'reminder' ? ` — ${countsText(n.counts)}` : ''}
                </List.Item>
              ))}
              {out.map((e, i) => {
                const target = templateOf.get(e.to) ?? '';
                return (
                  <List.Item key={`e${i}`}>
                    <strong>{t('processMap.starts')}</strong>{' '}
                    <AppLink href={`/templates/${encodeURIComponent(target)}`}>
                      {names.get(target) ?? target}
                    </AppLink>
                  </List.Item>
                );
              })}
            </List>
          </Paper>
        );
      })}
    </Stack>
  );
}

/** The calendar day after `YYYY-MM-DD`. */
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);

export function ProcessMapPage({ process }: { process: string | null }) {
  const { t, lang } = useI18n();
  const timeZone = useTimeZone();
  const [, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const templates = useTemplatesList();
  const processes = [
    ...new Set((templates.data ?? []).map((x) => x.draft.process).filter((p): p is string => Boolean(p))),
  ].sort((a, b) => a.localeCompare(b));
  const chosen = process ?? processes[0] ?? null;
  // Without a period in the address: the server's default (the 30 days up to its clock, which in
  // the sandbox is the sandbox's), shown in the date fields once the map is there.
  const asked = { from: search.get('from') ?? undefined, to: search.get('to') ?? undefined };
  const isDay = (v: string | undefined) => v === undefined || /^\d{4}-\d{2}-\d{2}$/.test(v);
  const map = useQuery({
    queryKey: ['process-map', chosen, asked.from, asked.to, timeZone, lang],
    queryFn: () =>
      api<ProcessMap>(
        'GET',
        withQuery(`${apiPath('processes', chosen!)}/map`, {
          // Days in the organisation's zone; the period includes the day chosen as its end.
          from: asked.from && (fromZoned(`${asked.from}T00:00`, timeZone) ?? undefined),
          to: asked.to && (fromZoned(`${nextDay(asked.to)}T00:00`, timeZone) ?? undefined),
        }),
      ),
    enabled: chosen !== null && isDay(asked.from) && isDay(asked.to),
    retry: false,
  });
  const dayOf = (instant: number) => toZoned(instant, timeZone).slice(0, 10);
  const from = asked.from ?? (map.data ? dayOf(Date.parse(map.data.from)) : '');
  const until = asked.to ?? (map.data ? dayOf(Date.parse(map.data.to) - 1) : '');
  const go = (p: string | null, f = from, u = until) =>
    p && navigate(withQuery(`/processes/${encodeURIComponent(p)}`, { from: f, to: u }));
  return (
    <>
      <PageHead title={t('processMap.title')} />
      <Text size="sm" c="dimmed" mb="sm">
        {t('processMap.intro')}
      </Text>
      <Group align="flex-end" mb="md" wrap="wrap">
        <Select
          label={t('processMap.process')}
          data={processes}
          value={chosen}
          onChange={(p) => go(p)}
          searchable
          nothingFoundMessage={t('empty')}
          w={260}
        />
        <DateField
          label={t('processMap.from')}
          value={from}
          clearable={false}
          onChange={(v) => v && go(chosen, v, until)}
        />
        <DateField
          label={t('processMap.to')}
          value={until}
          clearable={false}
          onChange={(v) => v && go(chosen, from, v)}
        />
      </Group>
      {templates.data && processes.length === 0 ? <Text>{t('processMap.none')}</Text> : null}
      {chosen ? (
        <Query query={map}>
          {(m) => (
            <Stack>
              <Diagram map={m} />
              <Title order={2} size="h4">
                {t('processMap.list')}
              </Title>
              <MapList map={m} />
            </Stack>
          )}
        </Query>
      ) : null}
    </>
  );
}
