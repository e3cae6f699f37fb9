import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import { ApiError } from './lib/api';
import './index.css';

const theme = localStorage.getItem('stub-theme');
if (theme === 'dark' || (!theme && window.matchMedia?.('(prefers-color-scheme: dark)').matches)) document.documentElement.classList.add('dark');

// A 401 anywhere (the session expired, was signed out in another tab, or
// its key was revoked) brings back the sign-in page.
const signedOut = (e: unknown) => {
  if (e instanceof ApiError && e.status === 401) client.setQueryData(['session'], null);
};
const client: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: signedOut }),
  mutationCache: new MutationCache({ onError: signedOut }),
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      retry: (n, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && n < 2,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
