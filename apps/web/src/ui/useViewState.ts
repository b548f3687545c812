'use client';
/** The view state held in the URL (model/viewState.ts): read from it, and written back with replaceState (no reload, no history spam). */
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { formatViewState, parseViewState, type ViewState } from '../model/viewState';

export function useViewState(): [ViewState, (change: Partial<ViewState>) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const view = useMemo(() => parseViewState(new URLSearchParams(params.toString())), [params]);
  const update = useCallback(
    (change: Partial<ViewState>) => {
      const next = formatViewState({ ...view, ...change });
      router.replace(next === '' ? pathname : `${pathname}?${next}`, { scroll: false });
    },
    [view, router, pathname],
  );
  return [view, update];
}
