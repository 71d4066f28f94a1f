/**
 * The condition builder of the action-template form: groups ("all of" / "any of") of rows
 * "field – operator – value" over the dossier's fields and reference paths, with the field's own
 * value picker. The operators offered per field kind are the engine's own (OPS_BY_KIND).
 */
import {
  ActionIcon,
  Button,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
} from '@mantine/core';
import { OPS_BY_KIND, type CompareOp } from '../../../domain/condition/condition.js';
import type { Condition } from '../api.js';
import { useI18n } from '../i18n.js';
import { type FieldPath, pathOptions, useFieldPaths, ValueInput } from './fields.js';

type Compare = Extract<Condition, { type: 'compare' }>;
type Group = Extract<Condition, { type: 'all' | 'any' }>;

const NO_VALUE: readonly CompareOp[] = ['isEmpty', 'isNotEmpty', 'changed'];
const LIST_VALUE: readonly CompareOp[] = ['in', 'notIn'];
const DAYS_VALUE: readonly CompareOp[] = ['dateBefore', 'dateAfter'];

/** A new row's operand for an operator: none, a list, `{ days }` or a single value. */
function operandFor(op: CompareOp, previous: unknown): Pick<Compare, 'value'> {
  if (NO_VALUE.includes(op)) return {};
  if (LIST_VALUE.includes(op))
    return { value: Array.isArray(previous) ? previous : previous == null ? [] : [previous] };
  if (DAYS_VALUE.includes(op)) return { value: { days: 0 } };
  return { value: Array.isArray(previous) ? previous[0] : previous };
}

export function ConditionBuilder({
  rootType,
  value,
  onChange,
  error,
}: {
  rootType: string;
  value: Condition;
  onChange: (next: Condition) => void;
  error?: string;
}) {
  const { t } = useI18n();
  const paths = useFieldPaths(rootType);
  if (value.type !== 'all' && value.type !== 'any')
    return (
      <Text size="sm" c="dimmed">
        {t('tpl.cond.advancedOnly')}
      </Text>
    );
  return (
    <Stack gap="xs">
      <GroupEditor group={value} paths={paths} onChange={onChange} depth={0} />
      {error ? (
        <Text size="sm" c="red.9" role="alert">
          {error}
        </Text>
      ) : null}
    </Stack>
  );
}

function GroupEditor({
  group,
  paths,
  onChange,
  onRemove,
  depth,
}: {
  group: Group;
  paths: FieldPath[];
  onChange: (next: Group) => void;
  onRemove?: () => void;
  depth: number;
}) {
  const { t } = useI18n();
  const set = (i: number, next: Condition) =>
    onChange({ ...group, conditions: group.conditions.map((c, j) => (i === j ? next : c)) });
  const remove = (i: number) =>
    onChange({ ...group, conditions: group.conditions.filter((_, j) => j !== i) });
  const first = paths[0];
  const add = () =>
    onChange({
      ...group,
      conditions: [...group.conditions, { type: 'compare', field: first?.path ?? '', op: 'isNotEmpty' }],
    });
  return (
    <Paper withBorder p="sm" bg={depth % 2 ? 'gray.0' : undefined}>
      <Stack gap="xs">
        <Group gap="xs" wrap="wrap">
          <SegmentedControl
            size="xs"
            aria-label={t('tpl.cond.combine')}
            value={group.type}
            onChange={(v) => onChange({ ...group, type: v === 'any' ? 'any' : 'all' })}
            data={[
              { value: 'all', label: t('tpl.cond.all') },
              { value: 'any', label: t('tpl.cond.any') },
            ]}
          />
          {onRemove ? (
            <Button size="xs" variant="subtle" color="red.9" onClick={onRemove}>
              {t('tpl.cond.removeGroup')}
            </Button>
          ) : null}
        </Group>
        {group.conditions.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('tpl.cond.none')}
          </Text>
        ) : null}
        {group.conditions.map((c, i) =>
          c.type === 'compare' ? (
            <CompareRow
              key={i}
              row={c}
              paths={paths}
              onChange={(next) => set(i, next)}
              onRemove={() => remove(i)}
            />
          ) : c.type === 'all' || c.type === 'any' ? (
            <GroupEditor
              key={i}
              group={c}
              paths={paths}
              depth={depth + 1}
              onChange={(next) => set(i, next)}
              onRemove={() => remove(i)}
            />
          ) : (
            <Text key={i} size="sm" c="dimmed">
              {t('tpl.cond.advancedOnly')}
            </Text>
          ),
        )}
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={add}>
            {t('tpl.cond.add')}
          </Button>
          {depth < 2 ? (
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                onChange({ ...group, conditions: [...group.conditions, { type: 'any', conditions: [] }] })
              }
            >
              {t('tpl.cond.addGroup')}
            </Button>
          ) : null}
        </Group>
      </Stack>
    </Paper>
  );
}

function CompareRow({
  row,
  paths,
  onChange,
  onRemove,
}: {
  row: Compare;
  paths: FieldPath[];
  onChange: (next: Compare) => void;
  onRemove: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const path = paths.find((p) => p.path === row.field);
  const ops = path ? OPS_BY_KIND[path.field.kind] : [];
  return (
    <Group gap="xs" align="end" wrap="wrap" className="condition-row">
      <Select
        label={t('tpl.cond.field')}
        searchable
        w={240}
        value={row.field || null}
        onChange={(v) => {
          const next = paths.find((p) => p.path === v);
          const op = next && OPS_BY_KIND[next.field.kind].includes(row.op) ? row.op : 'isNotEmpty';
          onChange({ type: 'compare', field: v ?? '', op, ...operandFor(op, undefined) });
        }}
        data={pathOptions(paths)}
        comboboxProps={{ withinPortal: true }}
      />
      <Select
        label={t('tpl.cond.op')}
        w={190}
        allowDeselect={false}
        value={row.op}
        onChange={(v) => {
          const op = (v ?? 'eq') as CompareOp;
          onChange({ type: 'compare', field: row.field, op, ...operandFor(op, row.value) });
        }}
        data={ops.map((op) => ({ value: op, label: i18n.tOr(`tpl.op.${op}`, op) }))}
      />
      {NO_VALUE.includes(row.op) ? null : DAYS_VALUE.includes(row.op) ? (
        <NumberInput
          label={t('tpl.cond.days')}
          w={160}
          value={(row.value as { days?: number } | undefined)?.days ?? 0}
          onChange={(v) => onChange({ ...row, value: { days: Number(v) || 0 } })}
        />
      ) : (
        <div style={{ minWidth: 200, flex: 1 }}>
          <ValueInput
            label={t('tpl.cond.value')}
            field={path?.field}
            owner={path?.owner}
            multiple={LIST_VALUE.includes(row.op)}
            value={row.value}
            onChange={(v) => onChange({ ...row, value: v })}
          />
        </div>
      )}
      <ActionIcon
        variant="subtle"
        color="red.9"
        size="lg"
        onClick={onRemove}
        aria-label={t('tpl.cond.remove')}
      >
        ×
      </ActionIcon>
    </Group>
  );
}
