import { Badge } from '@mantine/core';
import { useT } from '../i18n';

// The colour repeats what the text says; it is never the only signal.
const colors: Record<string, string> = {
  Reported: 'blue',
  'Under Investigation': 'grape',
  'Action Required': 'orange',
  Closed: 'gray',
  Open: 'blue',
  'In Progress': 'grape',
  Completed: 'teal',
  Verified: 'green',
  Low: 'gray',
  Medium: 'yellow',
  High: 'orange',
  Critical: 'red',
};

export function StatusBadge({ value }: { value: string }) {
  const t = useT();
  return (
    <Badge color={colors[value] ?? 'gray'} variant="light" c="dark.8" radius="sm" size="lg" tt="none">
      {t(`values.${value}`, { defaultValue: value })}
    </Badge>
  );
}
