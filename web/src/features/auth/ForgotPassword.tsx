import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { EmailRequest } from './EmailRequest';

export function ForgotPassword() {
  const t = useT();
  return (
    <EmailRequest
      title={t('auth.forgotTitle')}
      submit={t('auth.forgotSend')}
      done={(email) => t('auth.forgotDone', { email })}
      send={(email) => unwrap(api.POST('/api/auth/password-reset/request', { body: { email } }))}
    />
  );
}
