import { lazy, Suspense, type ComponentProps } from 'react';

const Chart = lazy(() => import('./Chart'));

export function LazyChart(props: ComponentProps<typeof Chart>) {
  return (
    <Suspense fallback={<div style={{ height: props.height ?? 240 }} aria-busy="true" />}>
      <Chart {...props} />
    </Suspense>
  );
}
