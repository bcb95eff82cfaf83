
import { useQuery } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client';
import { AnchorLink } from '../../components/links';
import { useT } from '../../i18n';
import { TokenResult } from './TokenResult';

// A query rather than a mutation: the token is spent once, even when React
// mounts the page twice.
export function VerifyEmail() {
  const t = useT();
  const { token } = useSearch({ from: '/public/verify-email' });
  const verify = useQuery({
    queryKey: ['verify-email', token],
    queryFn: () => unwrap(api.POST('/api/auth/verify-email', { body: { token: token ?? '' } })),
    enabled: !!token,
    retry: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  return (
    <TokenResult
      title={t('auth.verifyTitle')}
      pending={verify.isLoading}
      error={token ? verify.error : new Error('missing')}
      failed={token ? t('auth.verifyFailed') : t('auth.missingToken')}
      done={verify.isSuccess ? t('auth.verifyDone') : undefined}
      forward={
        !verify.isSuccess && (
          <AnchorLink to="/resend-verification">
            {t('auth.resend')}
          </AnchorLink>
        )
      }
    />
  );
}
