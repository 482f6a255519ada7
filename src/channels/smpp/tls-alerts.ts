/**
 * What an SMSC's TLS alert means, in words an operator can act on. OpenSSL reports an alert as
 * `…:SSL routines:<function>:<reason>:<source file>:<line>:SSL alert number N`, with Node's code
 * `ERR_SSL_<reason>`; the channel's reason keeps the short reason and the code, and says what to
 * check for the alerts about Parley's own certificate.
 */
const CLIENT_CERTIFICATE_REFUSED = 'the SMSC refused the client certificate (tls-cert)';

const HINTS: Readonly<Record<string, string>> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the SMSC asks for a client certificate; set tls-cert and tls-key',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the SMSC ended the handshake; it may ask for a client certificate (tls-cert) or another TLS version',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: CLIENT_CERTIFICATE_REFUSED,
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: `${CLIENT_CERTIFICATE_REFUSED}: it does not trust its issuer`,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: `${CLIENT_CERTIFICATE_REFUSED}: it has expired`,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: `${CLIENT_CERTIFICATE_REFUSED}: it is revoked`,
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: CLIENT_CERTIFICATE_REFUSED,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: CLIENT_CERTIFICATE_REFUSED,
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'the SMSC denied access to this client certificate (tls-cert)',
};

/** `TLS: <what it means; >reason (code)` for an OpenSSL error (`ERR_SSL_…`), or null for any other. */
export function describeTlsAlert(code: string, message: string): string | null {
  if (!code.startsWith('ERR_SSL_')) return null;
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(message)?.[1] ?? code.slice('ERR_SSL_'.length).toLowerCase().replaceAll('_', ' ');
  const hint = HINTS[code];
  return `TLS: ${hint ? `${hint}: ` : ''}${reason} (${code})`;
}
