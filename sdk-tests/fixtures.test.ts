// The fixtures speak what the official SDKs expect: each SDK, unmodified, pointed straight at its
// fixture (no Stub in between), gets its answers, streams, usage and errors as it would from the
// provider. The gateway tests rely on this.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { gate } from './fixtures/common.ts';
import { startOpenAIUpstream, type OpenAIUpstream } from './fixtures/openai_upstream.ts';
import { startAnthropicUpstream, type AnthropicUpstream } from './fixtures/anthropic_upstream.ts';

let oa: OpenAIUpstream;
let an: AnthropicUpstream;
beforeAll(async () => {
  oa = await startOpenAIUpstream();
  an = await startAnthropicUpstream();
});
afterAll(async () => {
  await oa?.close();
  await an?.close();
});
beforeEach(() => {
  oa.reset();
  an.reset();
});

const openai = () => new OpenAI({ apiKey: oa.key, baseURL: oa.url, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: an.key, baseURL: an.url.replace(/\/v1$/, ''), maxRetries: 0 });

describe('openai fixture with the openai SDK', () => {
  test('chat completion: usage with cached tokens, x-request-id, the request recorded', async () => {
    oa.next({ usage: { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 20 }, text: ['Hi', '!'] });
    const { data, response, request_id } = await openai()
      .chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0].message.content).toBe('Hi!');
    expect(data.usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 30, total_tokens: 150, prompt_tokens_details: { cached_tokens: 20 } });
    expect(request_id).toBe(oa.requestIds[0]);
    expect(oa.count).toBe(1);
    expect(oa.last!.path).toBe('/v1/chat/completions');
    expect(oa.last!.headers['authorization']).toBe(`Bearer ${oa.key}`);
    expect(oa.last!.body.messages).toEqual([{ role: 'user', content: 'hello' }]);
  });

  test('chat stream without include_usage: no usage chunk; with it: a final choices:[] chunk with usage', async () => {
    const plain = await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }], stream: true });
    const chunks1 = [];
    for await (const c of plain) chunks1.push(c);
    expect(chunks1.every((c) => c.usage === undefined)).toBe(true);
    expect(chunks1.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello from the fixture.');

    oa.next({ usage: { prompt_tokens: 7, completion_tokens: 3, cached_tokens: 0 } });
    const withUsage = await openai().chat.completions.create({
      model: 'gpt-test', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true },
    });
    const chunks2 = [];
    for await (const c of withUsage) chunks2.push(c);
    const last = chunks2[chunks2.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(chunks2.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  test('chat stream is incremental: the first chunk arrives before the fixture sends the last', async () => {
    const g = gate();
    oa.next({ pause: g.promise });
    const stream = await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }], stream: true });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(oa.lastStream!.finalSent).toBe(false);
    g.open();
    let n = 1;
    while (!(await it.next()).done) n++;
    expect(oa.lastStream!.finalSent).toBe(true);
    expect(oa.lastStream!.pauseTimedOut).toBe(false);
    expect(n).toBe(6); // role, 4 pieces of text, finish
  });

  test('a client that aborts mid-stream closes the connection early', async () => {
    const g = gate();
    oa.next({ pause: g.promise });
    const stream = await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const _ of stream) break; // the SDK aborts the request
    await oa.lastStream!.done;
    expect(oa.lastStream!.closedEarly).toBe(true);
    expect(oa.lastStream!.finalSent).toBe(false);
    g.open();
  });

  test('embeddings: the SDK default (base64) and floats, usage', async () => {
    oa.script({ usage: { prompt_tokens: 8 } });
    const a = await openai().embeddings.create({ model: 'emb-test', input: 'hello' });
    expect(oa.last!.body.encoding_format).toBe('base64');
    expect(Array.from(a.data[0].embedding)).toEqual([0.125, -0.5, 0.25, 1]);
    expect(a.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    const b = await openai().embeddings.create({ model: 'emb-test', input: ['a', 'b'], encoding_format: 'float' });
    expect(b.data.map((d) => d.embedding)).toEqual([[0.125, -0.5, 0.25, 1], [0.125, -0.5, 0.25, 1]]);
  });

  test('responses: JSON with usage and output_text', async () => {
    oa.next({ usage: { prompt_tokens: 40, completion_tokens: 10, cached_tokens: 8 } });
    const r = await openai().responses.create({ model: 'gpt-test', input: 'hi' });
    expect(r.output_text).toBe('Hello from the fixture.');
    expect(r.usage).toMatchObject({ input_tokens: 40, output_tokens: 10, total_tokens: 50, input_tokens_details: { cached_tokens: 8 } });
    expect(oa.last!.path).toBe('/v1/responses');
  });

  test('responses stream: created … completed with usage, and the SDK stream helper', async () => {
    oa.next({ usage: { prompt_tokens: 40, completion_tokens: 10, cached_tokens: 0 } });
    const s = await openai().responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const types: string[] = [];
    let completed: any;
    for await (const ev of s) {
      types.push(ev.type);
      if (ev.type === 'response.completed') completed = ev.response;
    }
    expect(types[0]).toBe('response.created');
    expect(types[types.length - 1]).toBe('response.completed');
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(4);
    expect(completed.usage).toMatchObject({ input_tokens: 40, output_tokens: 10 });

    const helper = openai().responses.stream({ model: 'gpt-test', input: 'hi' });
    const final = await helper.finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'Hello from the fixture.' }] });
  });

  test('a wrong key gets 401 AuthenticationError; a scripted 500 gets InternalServerError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: oa.url, maxRetries: 0 });
    const e1 = await bad.chat.completions.create({ model: 'gpt-test', messages: [] }).catch((e) => e);
    expect(e1).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(e1.status).toBe(401);
    expect(e1.code).toBe('invalid_api_key');
    oa.next({ status: 500 });
    const e2 = await openai().chat.completions.create({ model: 'gpt-test', messages: [] }).catch((e) => e);
    expect(e2).toBeInstanceOf(OpenAI.InternalServerError);
    expect(e2.status).toBe(500);
  });
});

describe('anthropic fixture with the @anthropic-ai/sdk', () => {
  test('message: usage with cache tokens, request-id, the request recorded', async () => {
    an.next({ usage: { input_tokens: 90, output_tokens: 12, cache_read_input_tokens: 30, cache_creation_input_tokens: 5 } });
    const { data, response, request_id } = await anthropic()
      .messages.create({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.content).toEqual([{ type: 'text', text: 'Hello from the fixture.' }]);
    expect(data.usage).toMatchObject({ input_tokens: 90, output_tokens: 12, cache_read_input_tokens: 30, cache_creation_input_tokens: 5 });
    expect(request_id).toBe(an.requestIds[0]);
    expect(an.last!.path).toBe('/v1/messages');
    expect(an.last!.headers['anthropic-version']).toBeTruthy();
    // @anthropic-ai/sdk 1.17.0 sends an apiKey as `Authorization: Bearer`, not `x-api-key`, with
    // anthropic-version 2026-10-21: the gateway must take an agent's key from either header.
    expect(an.last!.headers['authorization']).toBe(`Bearer ${an.key}`);
    expect(an.last!.headers['x-api-key']).toBeUndefined();
    expect(an.lastAuth).toBe('bearer');
  });

  test('stream: the real event sequence, and the SDK helper adds up usage', async () => {
    an.next({ usage: { input_tokens: 25, output_tokens: 15 } });
    const s = await anthropic().messages.create({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'x' }], stream: true });
    const types: string[] = [];
    for await (const ev of s) types.push(ev.type);
    expect(types).toEqual([
      'message_start', 'content_block_start',
      'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    an.next({ usage: { input_tokens: 25, output_tokens: 15, cache_read_input_tokens: 4 } });
    const final = await anthropic().messages.stream({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello from the fixture.', citations: null }].map((c) => expect.objectContaining({ type: c.type, text: c.text })));
    expect(final.usage).toMatchObject({ input_tokens: 25, output_tokens: 15, cache_read_input_tokens: 4 });
  });

  test('stream is incremental: the first delta arrives before the fixture sends the last', async () => {
    const g = gate();
    an.next({ pause: g.promise });
    const s = await anthropic().messages.create({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'x' }], stream: true });
    const it = s[Symbol.asyncIterator]();
    let ev = await it.next();
    while (!ev.done && ev.value.type !== 'content_block_delta') ev = await it.next();
    expect(ev.done).toBe(false);
    expect(an.lastStream!.finalSent).toBe(false);
    g.open();
    while (!(await it.next()).done);
    expect(an.lastStream!.finalSent).toBe(true);
    expect(an.lastStream!.pauseTimedOut).toBe(false);
  });

  test('a wrong key gets 401 AuthenticationError; a scripted 500 gets InternalServerError', async () => {
    const bad = new Anthropic({ apiKey: 'sk-wrong', baseURL: an.url.replace(/\/v1$/, ''), maxRetries: 0 });
    const e1 = await bad.messages.create({ model: 'claude-test', max_tokens: 5, messages: [] }).catch((e) => e);
    expect(e1).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(e1.status).toBe(401);
    expect(e1.error.error.type).toBe('authentication_error');
    an.next({ status: 500 });
    const e2 = await anthropic().messages.create({ model: 'claude-test', max_tokens: 5, messages: [] }).catch((e) => e);
    expect(e2).toBeInstanceOf(Anthropic.InternalServerError);
    expect(e2.status).toBe(500);
    expect(e2.error.error.type).toBe('api_error');
  });
});
