import { Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Public } from '../common/decorators/public.decorator';
import { NotFoundError } from '../common/errors/domain-error';
import { escapeHtml } from '../web/views/html';
import { MailTransport } from './mail-transport.service';
import { MailService } from './mail.service';

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;

function tokenOf(value: unknown): string {
  return typeof value === 'string' && value.length <= 2048 ? value : '';
}

/** The links in mails, which work without login; and the dev mailbox. */
@ApiTags('mail links')
@Public()
@Controller()
export class MailLinksController {
  constructor(
    private readonly mail: MailService,
    private readonly transport: MailTransport,
  ) {}

  @Get('verify-email')
  @ApiOkResponse({ description: 'An HTML page: the address is verified' })
  @ApiErrors(400)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async verify(@Query('token') token: unknown): Promise<string> {
    await this.mail.verifyEmail(tokenOf(token));
    return page('Address confirmed', '<h1>Thank you: your address is confirmed.</h1>');
  }

  /** A page with a button, so that link scanners following GETs unsubscribe no one. */
  @Get('unsubscribe')
  @ApiOkResponse({ description: 'An HTML page whose button unsubscribes' })
  @Header('Content-Type', 'text/html; charset=utf-8')
  confirm(@Query('token') token: unknown): string {
    const action = `/unsubscribe?token=${encodeURIComponent(tokenOf(token))}`;
    return page(
      'Unsubscribe',
      `<h1>No more notification mails?</h1><form method="post" action="${escapeHtml(action)}"><button type="submit">Unsubscribe</button></form>`,
    );
  }

  /** RFC 8058 one-click: `List-Unsubscribe=One-Click` posted by the mail client, or the form. */
  @Post('unsubscribe')
  @HttpCode(200)
  @ApiOkResponse({ description: 'emailNotifications is now off' })
  @ApiErrors(400)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async unsubscribe(@Query('token') token: unknown): Promise<string> {
    await this.mail.unsubscribe(tokenOf(token));
    return page('Unsubscribed', '<h1>You will get no more notification mails.</h1>');
  }

  /** Outside production, without SMTP_URL: the mails that would have been sent. */
  @Get('dev/mail')
  @ApiOkResponse({ description: 'Outside production without SMTP_URL: the mails not sent' })
  @ApiErrors(404)
  @Header('Content-Type', 'text/html; charset=utf-8')
  devMail(): string {
    const mails = this.transport.devMails();
    if (!mails) throw new NotFoundError('page');
    const items = mails
      .map(
        (m) =>
          `<article><h2>${escapeHtml(m.subject)}</h2><p>To ${escapeHtml(m.to)}, ${escapeHtml(m.sentAt)}</p><pre>${escapeHtml(m.text).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>')}</pre></article>`,
      )
      .join('');
    return page(
      'Dev mailbox',
      `<h1>Mails (not sent: SMTP_URL is unset)</h1>${items || '<p>None yet.</p>'}`,
    );
  }
}
