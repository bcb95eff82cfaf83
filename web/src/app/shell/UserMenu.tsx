import { Avatar, Menu, UnstyledButton, Group, Text } from '@mantine/core';
import { IconBuilding, IconCheck, IconKey, IconLogout, IconLogout2 } from '@tabler/icons-react';
import { useNavigate } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client';
import { session } from '../../api/session';
import { notify } from '../../components/notify';
import { useT } from '../../i18n';
import { queryClient } from '../queryClient';
import { useMe } from '../me';

/** UserMenu: the organization switcher, sign out and sign out everywhere. */
export function UserMenu() {
  const t = useT();
  const navigate = useNavigate();
  const { data: me } = useMe();
  const name = me?.user.name ?? '';
  const orgs = me?.organizations ?? [];
  const current = me?.organization?.id;

  const leave = async (everywhere: boolean) => {
    try {
      if (everywhere) {
        await unwrap(api.POST('/api/auth/logout-all'));
        notify(t('shell.signedOutEverywhere'), 'blue');
      } else {
        await unwrap(api.POST('/api/auth/logout'));
      }
    } finally {
      session.clear();
      queryClient.clear();
      await navigate({ to: '/login', search: {} });
    }
  };

  const switchTo = async (organizationId: string) => {
    const tokens = await unwrap(api.POST('/api/auth/switch-organization', { body: { organizationId } }));
    session.set(tokens);
    queryClient.clear();
    await navigate({ to: '/' });
  };

  return (
    <Menu position="bottom-end" width={260} withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('shell.userMenu', { name })} style={{ minHeight: 44, minWidth: 44 }}>
          <Group gap="xs" wrap="nowrap">
            <Avatar color="blue" radius="xl" size={40} aria-hidden>
              {name.slice(0, 1).toUpperCase()}
            </Avatar>
            <Text size="sm" visibleFrom="sm" fw={500}>
              {name}
            </Text>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{me?.organization?.name}</Menu.Label>
        {me?.organization && <Menu.Item disabled>{t('shell.role', { role: me.organization.role })}</Menu.Item>}
        {orgs.length > 1 && (
          <>
            <Menu.Divider />
            <Menu.Label>{t('shell.switchOrg')}</Menu.Label>
            {orgs.map((o) => (
              <Menu.Item
                key={o.id}
                leftSection={o.id === current ? <IconCheck size={16} aria-hidden /> : <IconBuilding size={16} aria-hidden />}
                onClick={() => void switchTo(o.id)}
                aria-current={o.id === current ? 'true' : undefined}
              >
                {o.name}
              </Menu.Item>
            ))}
          </>
        )}
        <Menu.Divider />
        <Menu.Item leftSection={<IconKey size={16} aria-hidden />} onClick={() => void navigate({ to: '/account/password' })}>
          {t('shell.changePassword')}
        </Menu.Item>
        <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={() => void leave(false)}>
          {t('shell.signOut')}
        </Menu.Item>
        <Menu.Item color="red" leftSection={<IconLogout2 size={16} aria-hidden />} onClick={() => void leave(true)}>
          {t('shell.signOutEverywhere')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
