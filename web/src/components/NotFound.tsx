import { Container, Stack, Title } from '@mantine/core';

import { AnchorLink } from './links';
import { useT } from '../i18n';

export function NotFound() {
  const t = useT();
  return (
    <Container size="sm" py="xl">
      <Stack>
        <Title order={1}>{t('app.notFound')}</Title>
        <AnchorLink to="/">
          {t('app.goHome')}
        </AnchorLink>
      </Stack>
    </Container>
  );
}
