import { withoutControlCharacters } from '../text/control-characters.ts';
import { describeLifetime, type EmailMessage, type MessageFacts } from './message.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const PURPOSE: Record<MessageFacts['purpose'], string> = {
  enrollment: 'Enter it to confirm this email address as a second factor for your account.',
  'sign-in': 'Enter it to finish signing in.',
};

/**
 * The email for a code: a subject, a plain-text body and a simple HTML body, each with the
 * code, the tenant name, the lifetime and a "not you?" line. Every value is HTML-escaped in
 * the HTML body, and the tenant name loses control characters (no header injection).
 */
export function composeEmail(facts: MessageFacts): EmailMessage {
  const name = withoutControlCharacters(facts.tenantName).replace(/\s+/g, ' ').trim();
  const your = name ? `your ${name}` : 'your';
  const tenant = name || 'We';
  const lifetime = describeLifetime(facts.lifetimeSeconds);
  const purpose = PURPOSE[facts.purpose];
  const notYou = `Not you? If you did not ask for this code, ignore this email: nobody can use the code without access to this mailbox. ${tenant} will never ask you to share it.`;

  const text = [
    `Here is ${your} verification code:`,
    '',
    `    ${facts.code}`,
    '',
    `It expires in ${lifetime}. ${purpose}`,
    '',
    notYou,
    '',
  ].join('\n');

  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Verification code</title></head>
<body style="font-family: -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif; color: #1f2933; line-height: 1.5;">
<p>Here is ${e(your)} verification code:</p>
<p style="font-size: 28px; font-weight: 600; letter-spacing: 4px; font-family: Menlo, Consolas, monospace;">${e(facts.code)}</p>
<p>It expires in ${e(lifetime)}. ${e(purpose)}</p>
<p style="color: #52606d; font-size: 13px;">${e(notYou)}</p>
</body>
</html>
`;

  return {
    channel: 'email',
    to: facts.to,
    subject: `${facts.code} is ${your} verification code`,
    text,
    html,
    code: facts.code,
  };
}
