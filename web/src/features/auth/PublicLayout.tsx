import { Box, Container, Group, Paper, Text } from '@mantine/core';
import { Outlet } from '@tanstack/react-router';
import { IconShieldCheck } from '@tabler/icons-react';
import { useT } from '../../i18n';

/** PublicLayout frames the pages used without a session. */
export function PublicLayout() {
  const t = useT();
  return (
    <Box bg="gray.1" mih="100vh" py="xl">
      <Container size={460} px="md">
        <Group gap="xs" mb="lg" justify="center">
          <IconShieldCheck size={32} aria-hidden color="var(--mantine-color-blue-8)" />
          <Text fw={700} size="xl">
            {t('app.name')}
          </Text>
        </Group>
        <Paper component="main" id="main" withBorder shadow="sm" p="lg" radius="md">
          <Outlet />
        </Paper>
      </Container>
    </Box>
  );
}
