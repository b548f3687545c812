'use client';
import { Suspense } from 'react';
import { MapApp } from '../src/ui/MapApp';

export default function MapPage() {
  // useSearchParams needs a Suspense boundary in a static export.
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <MapApp />
    </Suspense>
  );
}
