//! Size baseline for `ci/size-report`: the same runtime (cortex-m-rt, panic-halt), the same
//! static buffers and a main loop of the same shape as `liner-firmware`, but no liner-core
//! call. The difference between the two images is what liner-core costs a firmware.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m as _;
use cortex_m_rt::entry;
use panic_halt as _;

#[entry]
fn main() -> ! {
    static mut TX_STORAGE: [u8; 1024] = [0; 1024];
    static mut RX_STORAGE: [u8; 512] = [0; 512];
    static mut WIRE: [u8; 256] = [0; 256];

    let mut now_ms: u64 = 0;
    loop {
        now_ms = black_box(now_ms.wrapping_add(1));
        black_box(&mut *TX_STORAGE);
        black_box(&mut *RX_STORAGE);
        black_box(&mut *WIRE);
    }
}
