//! The two Lua scripts the Redis backend runs server-side, so that each primitive is atomic
//! and one round trip (Redis runs a script with no other command in between).
//!
//! Invariant: they do exactly what the memory backend does. [`GCRA`] is the arithmetic of
//! `gcra::step` line for line; the caller passes the emission interval and burst it computed
//! with the same Rust functions, and its own clock (time is injected, never read in Redis), so
//! both backends take the same decision for the same sequence of calls.

/// Compare-and-swap of one key.
///
/// `KEYS[1]` the key; `ARGV[1]` `"1"` when a current value is expected (`"0"`: absent),
/// `ARGV[2]` that value; `ARGV[3]` `"1"` to store `ARGV[4]` with a time to live of `ARGV[5]`
/// milliseconds, `"0"` to delete. Returns 1 when the swap happened, else 0.
pub(super) const COMPARE_AND_SWAP: &str = r"
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('DEL', KEYS[1])
end
return 1
";

/// One GCRA step on the TAT stored under `KEYS[1]` (microseconds, an integer string).
///
/// `ARGV[1]` now (µs), `ARGV[2]` the emission interval (µs), `ARGV[3]` the burst (≥ 1).
/// Returns `{1, 0}` when allowed (the TAT is advanced and expires when it is reached, at least
/// 1 ms later), `{0, wait_us}` when refused (nothing is written). Microsecond timestamps stay
/// below 2^53, so Lua's doubles hold them exactly; `%.0f` writes them without an exponent.
/// An unreadable stored value counts as a fresh bucket, as in memory.
pub(super) const GCRA: &str = r"
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if now < allow_at then
  return {0, allow_at - now}
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
if ttl_ms < 1 then ttl_ms = 1 end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', ttl_ms))
return {1, 0}
";
