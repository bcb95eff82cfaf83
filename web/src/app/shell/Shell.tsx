import { Box, Burger, Group, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus, IconShieldCheck } from '@tabler/icons-react';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { ButtonLink, NavLinkLink } from '../../components/links';
import { useT } from '../../i18n';
import { useCan } from '../me';
import { navItems, visibleNav } from './nav';
import { UserMenu } from './UserMenu';

/**
 * Shell is the frame of every signed-in page. Its layout is plain CSS
 * (shell.css): Mantine's AppShell writes its sizes into an inline <style>,
 * which the Content-Security-Policy refuses.
 */
export function Shell() {
  const t = useT();
  const can = useCan();
  const [opened, { toggle, close }] = useDisclosure(false);
  const path = useRouterState({ select: (s) => s.location.pathname });
  const items = visibleNav(navItems, can);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="shell-header">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="md" aria-label={t('shell.openMenu')} aria-expanded={opened} aria-controls="main-nav" />
            <Link to="/" aria-label={t('app.name')} className="shell-logo">
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
      </header>
      <nav id="main-nav" className="shell-nav" data-open={opened || undefined} aria-label={t('shell.navigation')}>
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
      </nav>
      <Box component="main" id="main" tabIndex={-1} className="shell-main">
        <Outlet />
      </Box>
    </div>
  );
}
