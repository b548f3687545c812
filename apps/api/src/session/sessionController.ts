import { Body, Controller, Delete, Get, HttpCode, HttpException, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { AuthErrorDto } from '../auth/authDto.js';
import { CallerKey } from '../auth/callerDecorator.js';
import type { Caller } from '../auth/apiControl.js';
import { OpenRoute, RequiresScope } from '../auth/routeAccess.js';
import { ApiErrorDto } from '../http/apiError.js';
import { NoQuery } from '../http/noQuery.js';
import { clearedSessionCookie, sessionCookie, sessionKeyOf } from './sessionCookie.js';
import { LoginBodyDto, SessionDto, type Session } from './sessionDto.js';
import { SessionService } from './sessionService.js';

interface CookieRequest {
  headers: { cookie?: string };
  secure?: boolean;
}

interface CookieResponse {
  setHeader(name: string, value: string): void;
}

/** The web app's session: its key in an http-only cookie, begun with a key or a one-time login link. */
@ApiTags('session')
@Controller('api/v1/session')
export class SessionController {
  constructor(@Inject(SessionService) private readonly sessions: SessionService) {}

  @Post()
  @HttpCode(200)
  // Open: it is how a browser presents its credential; it answers nothing without a valid one.
  @OpenRoute('presents a key or a login link; answers nothing without a valid one')
  @ApiOperation({ operationId: 'startSession', summary: 'Begins a web session: sets the http-only weft_key cookie (SameSite=Strict) the web app authenticates with' })
  @ZodResponse({ status: 200, description: 'The session (Set-Cookie: weft_key=...; HttpOnly; SameSite=Strict)', type: SessionDto })
  @ApiBadRequestResponse({ description: 'The body is not {credential}', type: ApiErrorDto })
  @ApiUnauthorizedResponse({ description: 'The key is unknown, revoked, lapsed or lacks the read scope; or the login link is unknown, used or lapsed', type: AuthErrorDto })
  async start(@Body() body: LoginBodyDto, @Req() req: CookieRequest, @Res({ passthrough: true }) res: CookieResponse, @NoQuery() _query: void): Promise<Session> {
    const started = await this.sessions.start(body.credential);
    if (started === null) throw new HttpException({ error: 'that key is unknown, revoked, lapsed or lacks the read scope, or that login link is unknown, used or lapsed (weft up prints a new one on each start)' }, 401);
    res.setHeader('Set-Cookie', sessionCookie(started.key, { secure: req.secure === true, ...(started.cookieMaxAgeSeconds === undefined ? {} : { maxAgeSeconds: started.cookieMaxAgeSeconds }) }));
    return started.session;
  }

  @Get()
  @RequiresScope('read')
  @ApiOperation({ operationId: 'getSession', summary: 'Who the caller is: its tenant, key and scopes (the web app asks on load)' })
  @ZodResponse({ status: 200, description: 'The session', type: SessionDto })
  @ApiBadRequestResponse({ description: 'A query parameter was given (this operation takes none)', type: ApiErrorDto })
  async current(@CallerKey() caller: Caller, @NoQuery() _query: void): Promise<Session> {
    return this.sessions.describe(caller);
  }

  @Delete()
  // Open: it only clears the caller's own cookie (and revokes the key a login link made for it).
  @OpenRoute("ends the caller's own session only")
  @ApiOperation({ operationId: 'endSession', summary: "Ends the web session: clears the cookie, and revokes its key when a login link made it" })
  @ApiResponse({ status: 204, description: 'Ended (also when there was none)' })
  @ApiBadRequestResponse({ description: 'A query parameter was given (this operation takes none)', type: ApiErrorDto })
  @HttpCode(204)
  async end(@Req() req: CookieRequest, @Res({ passthrough: true }) res: CookieResponse, @NoQuery() _query: void): Promise<void> {
    await this.sessions.end(sessionKeyOf(req.headers.cookie));
    res.setHeader('Set-Cookie', clearedSessionCookie(req.secure === true));
  }
}
