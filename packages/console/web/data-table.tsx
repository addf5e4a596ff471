import type { ComponentChildren } from 'preact';
import { Loading, Problem } from './widgets.tsx';

/**
 * The one list every page shows: loading line, refusal or failure in words, a sentence when
 * there is nothing, else a table with one row per item. A column without a title (actions) gets
 * a header only screen readers read.
 *
 * @example
 *   <DataTable list={gateways} rows={(d) => d} empty="No gateway yet."
 *     columns={[{ title: 'Gateway', cell: (g) => g.name }]} />
 */
export interface Column<T> {
  title: string;
  /** The header is read by screen readers only (e.g. "Actions"). */
  hiddenTitle?: boolean;
  /** Keep the cell on one line (times, versions, event names). */
  nowrap?: boolean;
  cell: (row: T) => ComponentChildren;
}

export interface Loaded<D> {
  data: D | undefined;
  error: string | undefined;
  loading: boolean;
}

export function DataTable<D, T extends { id: string }>({
  list,
  rows,
  columns,
  empty,
}: {
  list: Loaded<D>;
  rows: (data: D) => T[];
  columns: Column<T>[];
  empty: ComponentChildren;
}) {
  const items = list.data === undefined ? undefined : rows(list.data);
  return (
    <>
      <Loading when={list.loading && list.data === undefined} />
      <Problem message={list.error} />
      {items && items.length === 0 && <p class="muted">{empty}</p>}
      {items && items.length > 0 && (
        <table>
          <thead>
            <tr>
              {columns.map((column) => (
                <th scope="col" key={column.title}>
                  {column.hiddenTitle ? (
                    <span class="visually-hidden">{column.title}</span>
                  ) : (
                    column.title
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                {columns.map((column) => (
                  <td key={column.title} class={column.nowrap ? 'nowrap' : undefined}>
                    {column.cell(item)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
