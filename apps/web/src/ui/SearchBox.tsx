'use client';
/** Search with autocomplete (GET /api/v1/services?q=): arrows move, Enter picks, Escape closes; the pick selects and centres the service. */
import { useEffect, useId, useState } from 'react';
import { api, data } from '../api/client';
import type { Service } from '../model/apiTypes';

export function SearchBox({ onPick }: { onPick(service: Service): void }) {
  const [q, setQ] = useState('');
  const [items, setItems] = useState<Service[]>([]);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const listId = useId();

  useEffect(() => {
    if (q.trim() === '') {
      setItems([]);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      void data(api.GET('/api/v1/services', { params: { query: { q: q.trim(), limit: 8 } } }))
        .then((page) => {
          if (!stale) {
            setItems(page.services);
            setActive(0);
            setOpen(true);
          }
        })
        .catch(() => {
          if (!stale) setItems([]);
        });
    }, 120);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [q]);

  const pick = (service: Service | undefined): void => {
    if (!service) return;
    onPick(service);
    setQ(service.name);
    setOpen(false);
  };

  return (
    <div className="search">
      <label htmlFor={`${listId}-input`} className="visually-hidden">
        Search services
      </label>
      <input
        id={`${listId}-input`}
        type="search"
        placeholder="Search services…"
        role="combobox"
        aria-expanded={open && items.length > 0}
        aria-controls={listId}
        aria-activedescendant={open && items[active] ? `${listId}-${active}` : undefined}
        aria-autocomplete="list"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => Math.min(items.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            pick(items[active]);
          } else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {open && items.length > 0 ? (
        <ul id={listId} role="listbox" className="suggestions">
          {items.map((s, i) => (
            <li key={s.id} id={`${listId}-${i}`} role="option" aria-selected={i === active} onMouseDown={() => pick(s)}>
              {s.name}
              <small>
                {s.namespace !== '' ? `${s.namespace} · ` : ''}
                {s.kind}
              </small>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
