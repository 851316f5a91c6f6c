// The machine clock, in core cycles. One instance is shared by the core and the MMU:
// whoever spends cycles advances `now` (the MMU by the latency of each translation).
export class Clock {
  now = 0;
}
