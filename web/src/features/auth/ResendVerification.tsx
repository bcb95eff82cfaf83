import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { EmailRequest } from './EmailRequest';

export function ResendVerification() {
  const t = useT();
  return (
    <EmailRequest
      title={t('auth.resendTitle')}
      submit={t('auth.resend')}
      done={(email) => t('auth.resendDone', { email })}
      send={(email) => unwrap(api.POST('/api/auth/resend-verification', { body: { email } }))}
    />
  );
}
