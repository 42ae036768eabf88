//! Lua fragments shared by the store's scripts.

/// Lua: the seq of a parked element, `nil` when it is no Data frame. A frame is `u32`
/// length, kind byte, then the seq as a postcard varint (byte 6 on, in Lua's 1-based
/// indexing). Seqs stay below 2^53, exact in Lua numbers.
macro_rules! lua_seq_of {
    () => {
        "local function seq_of(f) \
          if not f or string.byte(f, 5) ~= 4 then return nil end \
          local v, mul = 0, 1 \
          for i = 6, 15 do \
            local b = string.byte(f, i) \
            if not b then return nil end \
            v = v + (b % 128) * mul \
            if b < 128 then return v end \
            mul = mul * 128 \
          end \
          return nil \
        end "
    };
}
