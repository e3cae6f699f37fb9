import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type Entry } from '../lib/api';
import { scanConfigEntries } from '../lib/journal';
import { useRoute } from '../lib/router';
import { Badge, btnPlain, Card, ErrorText, Field, input, Loading, Money, PageTitle, Table, time } from '../components/ui';

interface Verify {
  ok: boolean;
  entries: number;
  head: string;
  problems: { code: string; message: string; seq?: number; node?: string }[];
}

const PAGE = 25;

export default function Audit() {
  const route = useRoute();
  const verify = useQuery({ queryKey: ['verify'], queryFn: () => get<Verify>('/v1/verify'), staleTime: 0 });
  const start = Number(route.params.get('seq') ?? '') || 0;
  const [after, setAfter] = useState(() => Math.max(0, start - 1));
  const [jump, setJump] = useState('');
  const journal = useQuery({
    queryKey: ['journal', after],
    queryFn: () => get<{ entries: Entry[] }>(`/v1/journal?after_seq=${after}&limit=${PAGE}`),
    placeholderData: (p) => p,
  });
  const [showConfig, setShowConfig] = useState(false);
  const config = useQuery({ queryKey: ['config-changes'], queryFn: () => scanConfigEntries(), enabled: showConfig });
  const entries = journal.data?.entries ?? [];
  return (
    <div className="space-y-4">
      <PageTitle sub="The per-org hash chain: every entry's hash covers the previous hash and the entry, so any edit, deletion or reordering shows.">Audit</PageTitle>
      <Card title="Verify" actions={<button className={btnPlain} onClick={() => verify.refetch()} disabled={verify.isFetching}>Verify now</button>}>
        {verify.isPending ? (
          <Loading what="Verifying the chain" />
        ) : verify.error ? (
          <ErrorText error={verify.error} />
        ) : (
          <div className="space-y-1 text-sm" role="status" aria-label="Verify result">
            <p>
              {verify.data.ok ? <Badge tone="green">ok</Badge> : <Badge tone="red">problems found</Badge>} {verify.data.entries} entries checked (chain, balanced lines, balance rows).
            </p>
            <p className="break-all">
              Head hash: <span className="font-mono text-xs">{verify.data.head}</span>
            </p>
            {verify.data.problems.length > 0 && (
              <ul className="list-disc pl-5 text-red-800 dark:text-red-300">
                {verify.data.problems.map((p, i) => (
                  <li key={i}>
                    {p.code}
                    {p.seq ? ` at seq ${p.seq}` : ''}
                    {p.node ? ` (${p.node})` : ''}: {p.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Card>
      <Card
        title="Journal"
        actions={
          <form
            className="flex items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              const n = Number(jump);
              if (Number.isInteger(n) && n > 0) setAfter(n - 1);
            }}
          >
            <Field label="Go to seq">{(id) => <input id={id} className={input + ' w-24'} inputMode="numeric" value={jump} onChange={(e) => setJump(e.target.value)} />}</Field>
            <button className={btnPlain} type="submit">Go</button>
          </form>
        }
      >
        {journal.isPending ? (
          <Loading />
        ) : journal.error ? (
          <ErrorText error={journal.error} />
        ) : (
          <>
            <ol className="space-y-2" aria-label="Journal entries">
              {entries.map((e, i) => {
                const prev = i > 0 ? entries[i - 1] : undefined;
                const linked = prev ? prev.hash === e.prev_hash : undefined;
                return (
                  <li key={e.seq} className="rounded border border-slate-200 p-2 text-sm dark:border-slate-700">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-semibold">#{e.seq}</span>
                      <Badge>{e.kind}</Badge>
                      <span>{time(e.created_at)}</span>
                      {e.agent && <span>{e.agent}</span>}
                      {e.vendor && <span>{e.vendor}</span>}
                      {e.kind !== 'config' && <Money value={e.amount} />}
                      {e.change?.action && <span>{e.change.action}</span>}
                      {linked === true && <Badge tone="green">links to #{prev!.seq}</Badge>}
                      {linked === false && <Badge tone="red">does not link to #{prev!.seq}</Badge>}
                    </div>
                    <div className="mt-1 break-all font-mono text-xs">hash {e.hash}</div>
                    <div className="break-all font-mono text-xs">
                      prev{' '}
                      {e.seq > 1 ? (
                        <button className="underline" onClick={() => setAfter(Math.max(0, e.seq - 2))} aria-label={`Follow prev_hash of #${e.seq} to #${e.seq - 1}`}>
                          {e.prev_hash}
                        </button>
                      ) : (
                        e.prev_hash
                      )}
                    </div>
                    {e.lines.length > 0 && (
                      <ul className="mt-1 text-xs">
                        {e.lines.map((l, j) => (
                          <li key={j} className="flex justify-between gap-2 font-mono">
                            <span>{l.account}</span>
                            <Money value={l.amount} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                );
              })}
            </ol>
            <div className="mt-3 flex gap-2">
              <button className={btnPlain} disabled={after === 0} onClick={() => setAfter(Math.max(0, after - PAGE))}>
                Earlier entries
              </button>
              <button className={btnPlain} disabled={entries.length < PAGE} onClick={() => setAfter(entries[entries.length - 1].seq)}>
                Later entries
              </button>
            </div>
          </>
        )}
      </Card>
      <Card title="Configuration changes" actions={!showConfig && <button className={btnPlain} onClick={() => setShowConfig(true)}>Load configuration changes</button>}>
        {!showConfig ? (
          <p className="text-sm">Limits, policies, freezes, the kill-switch and approvals: who changed what, when. Loading reads the whole journal.</p>
        ) : config.isPending ? (
          <Loading what="Reading the journal" />
        ) : config.error ? (
          <ErrorText error={config.error} />
        ) : (
          <>
            <p className="mb-2 text-sm">
              {config.data.entries.length} changes in {config.data.scanned} entries{config.data.complete ? '' : ' (the first ones only)'}.
            </p>
            <Table label="Configuration changes">
              <thead>
                <tr>
                  <th>Seq</th>
                  <th>Time (UTC)</th>
                  <th>Who</th>
                  <th>What</th>
                  <th>Node</th>
                  <th>Old → new</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {[...config.data.entries].reverse().map((e) => (
                  <tr key={e.seq}>
                    <td>{e.seq}</td>
                    <td className="whitespace-nowrap">{time(e.created_at)}</td>
                    <td>{e.change?.actor}</td>
                    <td>{e.change?.action}</td>
                    <td>{e.change?.node}</td>
                    <td className="max-w-xs break-all font-mono text-xs">
                      {JSON.stringify(e.change?.old ?? null)} → {JSON.stringify(e.change?.new ?? null)}
                    </td>
                    <td>{e.change?.reason}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </>
        )}
      </Card>
    </div>
  );
}
