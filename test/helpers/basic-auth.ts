/** The `authorization` header of HTTP Basic for an account's SID and auth token (Twilio's API, /metrics, the console). */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
