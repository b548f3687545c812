'use client';
import { Suspense } from 'react';
import { ServicePage } from '../../src/ui/ServicePage';

export default function Page() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <ServicePage />
    </Suspense>
  );
}
