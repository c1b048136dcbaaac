//! A minimal complex number whose operations round exactly like numpy's `complex128` loops and
//! glibc's complex functions, so that filter designs match SciPy to the last bit where possible.
//! numpy's SIMD loops fuse multiply-adds on CPUs with FMA (every x86-64 since 2013, and aarch64);
//! where that changes the result (`square`, `abs`) we fuse the same way.

use std::ops::{Add, Mul, Neg, Sub};

/// A complex number (`re + i·im`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    pub const ONE: C64 = C64 { re: 1.0, im: 0.0 };

    pub const fn new(re: f64, im: f64) -> C64 {
        C64 { re, im }
    }

    /// A real number as numpy promotes it (`x + 0j`).
    pub const fn real(re: f64) -> C64 {
        C64 { re, im: 0.0 }
    }

    pub fn conj(self) -> C64 {
        C64::new(self.re, -self.im)
    }

    /// `np.abs` on a complex array: numpy's SIMD loop computes `larger * sqrt(fma(r, r, 1))` with
    /// `r = smaller / larger`, which differs from `hypot` in the last bit. Ties between mirrored poles
    /// in `zpk2sos` are broken by these bits, so they must match.
    #[inline]
    pub fn abs(self) -> f64 {
        let (re, im) = (self.re.abs(), self.im.abs());
        if re.is_nan() || im.is_nan() {
            return f64::NAN;
        }
        let (larger, smaller) = if re >= im { (re, im) } else { (im, re) };
        if larger == 0.0 || smaller.is_infinite() {
            return larger;
        }
        let r = smaller / larger;
        r.mul_add(r, 1.0).sqrt() * larger
    }

    /// `np.isreal`: the imaginary part is exactly zero.
    pub fn is_real(self) -> bool {
        self.im == 0.0
    }

    /// numpy's `CDOUBLE_divide` (Smith's algorithm with a reciprocal scale).
    pub fn div(self, d: C64) -> C64 {
        let (ar, ai) = (d.re.abs(), d.im.abs());
        if ar >= ai {
            if ar == 0.0 && ai == 0.0 {
                return C64::new(self.re / ar, self.im / ar);
            }
            let rat = d.im / d.re;
            let scl = 1.0 / (d.re + d.im * rat);
            C64::new((self.re + self.im * rat) * scl, (self.im - self.re * rat) * scl)
        } else {
            let rat = d.re / d.im;
            let scl = 1.0 / (d.im + d.re * rat);
            C64::new((self.re * rat + self.im) * scl, (self.im * rat - self.re) * scl)
        }
    }

    /// numpy's `z**2` on a complex array: its SIMD multiply loop (AVX2/AVX-512, which every x86-64
    /// CPU with FMA dispatches to) computes `fmaddsub(re, z, im * swap(z))`. The fused rounding matters
    /// where `re² - im²` cancels, as in `lp2bp`/`lp2bs`.
    pub fn square(self) -> C64 {
        C64::new(
            self.re.mul_add(self.re, -(self.im * self.im)),
            self.re.mul_add(self.im, self.im * self.re),
        )
    }

    /// glibc's `csqrt` (principal root; the imaginary part takes the sign of `im`).
    pub fn sqrt(self) -> C64 {
        let (x, y) = (self.re, self.im);
        if y == 0.0 {
            return if x < 0.0 {
                C64::new(0.0, (-x).sqrt().copysign(y))
            } else {
                C64::new(x.sqrt().abs(), 0.0f64.copysign(y))
            };
        }
        if x == 0.0 {
            let r = (0.5 * y.abs()).sqrt();
            return C64::new(r, r.copysign(y));
        }
        let d = x.hypot(y);
        let (r, s) = if x > 0.0 {
            let r = (0.5 * (d + x)).sqrt();
            (r, 0.5 * (y / r))
        } else {
            let s = (0.5 * (d - x)).sqrt();
            ((0.5 * (y / s)).abs(), s)
        };
        C64::new(r, s.copysign(y))
    }

    /// glibc's `cexp` for finite input.
    pub fn exp(self) -> C64 {
        let e = self.re.exp();
        C64::new(e * self.im.cos(), e * self.im.sin())
    }

    /// glibc's `csinh` for finite input of moderate size.
    pub fn sinh(self) -> C64 {
        C64::new(self.re.sinh() * self.im.cos(), self.re.cosh() * self.im.sin())
    }
}

/// `np.prod` of a complex array (sequential products starting from 1).
pub(crate) fn prod(values: &[C64]) -> C64 {
    values.iter().fold(C64::ONE, |acc, &v| acc * v)
}

impl Add for C64 {
    type Output = C64;
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for C64 {
    type Output = C64;
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for C64 {
    type Output = C64;
    fn mul(self, o: C64) -> C64 {
        C64::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
    }
}

impl Neg for C64 {
    type Output = C64;
    fn neg(self) -> C64 {
        C64::new(-self.re, -self.im)
    }
}
