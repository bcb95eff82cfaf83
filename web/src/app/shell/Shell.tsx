import { AppShell, Burger, Group, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus, IconShieldCheck } from '@tabler/icons-react';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { ButtonLink, NavLinkLink } from '../../components/links';
import { useT } from '../../i18n';
import { useCan } from '../me';
import { navItems, visibleNav } from './nav';
import { UserMenu } from './UserMenu';

/** Shell is the frame of every signed-in page. */
export function Shell() {
  const t = useT();
  const can = useCan();
  const [opened, { toggle, close }] = useDisclosure(false);
  const path = useRouterState({ select: (s) => s.location.pathname });
  const items = visibleNav(navItems, can);
  return (
    <AppShell header={{ height: 64 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="md" aria-label={t('shell.openMenu')} />
            <Link to="/" aria-label={t('app.name')}>
              <IconShieldCheck size={32} aria-hidden color="var(--mantine-color-blue-8)" />
            </Link>
            <Text fw={700} visibleFrom="xs">
              {t('app.name')}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {can('incidents:report') && (
              <ButtonLink to="/incidents/new" color="red" leftSection={<IconPlus size={20} aria-hidden />}>
                {t('shell.reportIncident')}
              </ButtonLink>
            )}
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('shell.navigation')}>
        {items.map((item) => {
          const active = item.to === '/' ? path === '/' : path.startsWith(item.to);
          return (
            <NavLinkLink
              key={item.to}
              to={item.to}
              label={t(item.label)}
              leftSection={<item.icon size={22} aria-hidden />}
              active={active}
              aria-current={active ? 'page' : undefined}
              onClick={close}
              py="md"
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
