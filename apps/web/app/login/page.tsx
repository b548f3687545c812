'use client';
/**
 * The login page: a key typed here, or the one-time login link `weft up` prints (its token in
 * the URL's fragment, which no server and no Referer sees), becomes the http-only session cookie
 * (POST /api/v1/session). The key is sent once and kept by no script.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../src/api/client';

function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  // Only a path of this origin: never an absolute URL someone put in the link.
  return next !== null && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

async function startSession(credential: string): Promise<string | null> {
  const { response, error } = await api.POST('/api/v1/session', { body: { credential } });
  if (response.ok) return null;
  return typeof error === 'object' && error !== null && 'error' in error ? String((error as { error: unknown }).error) : `HTTP ${response.status}`;
}

export default function LoginPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
    if (token === null) return;
    // The token is spent either way: take it out of the address bar and the history.
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
    setBusy(true);
    void startSession(token).then((failure) => {
      if (failure === null) window.location.replace(nextPath());
      else {
        setError(failure);
        setBusy(false);
      }
    });
  }, []);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    const failure = await startSession(key.trim());
    if (failure === null) window.location.replace(nextPath());
    else {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <h1>Weft</h1>
      <p className="muted">Sign in with an API key of your tenant (scope read). `weft up` prints a one-time link that signs you in on this machine.</p>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="key">API key</label>
        <input id="key" name="key" type="password" autoComplete="off" placeholder="weft_…" value={key} onChange={(e) => setKey(e.target.value)} disabled={busy} required />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error !== null ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
    </main>
  );
}
