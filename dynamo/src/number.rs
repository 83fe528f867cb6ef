//! DynamoDB numbers: up to 38 significant digits, magnitude between 1E-130 and 1E+125
//! (documented in the DynamoDB Developer Guide, "Data types: Number"). They are kept as exact
//! decimals so that comparison and `SET a = a + :n` / `ADD` never go through `f64`.

use std::cmp::Ordering;

/// An exact decimal: `(-1)^negative × 0.d1d2d3… × 10^(exponent + 1)`, i.e. the first digit sits at
/// position `10^exponent` (the same convention as big.js, so the size and range rules read alike).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Significant digits, no leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    /// Power of ten of the first digit.
    exponent: i64,
}

/// Why a number string was refused; the messages are DynamoDB's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    Empty,
    Invalid,
    Overflow,
    Underflow,
    TooManyDigits,
}

impl NumberError {
    /// DynamoDB's ValidationException message for this failure (`raw` is the offending text).
    pub fn message(&self, raw: &str) -> String {
        match self {
            NumberError::Empty => "The parameter cannot be converted to a numeric value".to_string(),
            NumberError::Invalid => {
                format!("The parameter cannot be converted to a numeric value: {raw}")
            }
            NumberError::Overflow => "Number overflow. Attempting to store a number with magnitude larger than supported range".to_string(),
            NumberError::Underflow => "Number underflow. Attempting to store a number with magnitude smaller than supported range".to_string(),
            NumberError::TooManyDigits => {
                "Attempting to store more than 38 significant digits in a Number".to_string()
            }
        }
    }
}

impl Number {
    pub fn zero() -> Number {
        Number {
            negative: false,
            digits: Vec::new(),
            exponent: 0,
        }
    }

    pub fn from_u64(v: u64) -> Number {
        // A decimal string of a u64 is always a valid number.
        Number::parse_unchecked(&v.to_string()).unwrap_or_else(Number::zero)
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    pub fn is_negative(&self) -> bool {
        self.negative && !self.is_zero()
    }

    pub fn digits(&self) -> &[u8] {
        &self.digits
    }

    pub fn exponent(&self) -> i64 {
        self.exponent
    }

    /// Parse and check DynamoDB's range and precision rules.
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        if s.is_empty() {
            return Err(NumberError::Empty);
        }
        let n = Number::parse_unchecked(s).ok_or(NumberError::Invalid)?;
        n.check()?;
        Ok(n)
    }

    /// Check the documented limits: at most 38 significant digits, exponent within -130..=125.
    pub fn check(&self) -> Result<(), NumberError> {
        if self.is_zero() {
            return Ok(());
        }
        if self.exponent > 125 {
            return Err(NumberError::Overflow);
        }
        if self.exponent < -130 {
            return Err(NumberError::Underflow);
        }
        if self.digits.len() > 38 {
            return Err(NumberError::TooManyDigits);
        }
        Ok(())
    }

    /// Syntax only: `-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`.
    fn parse_unchecked(s: &str) -> Option<Number> {
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if bytes.first() == Some(&b'-') {
            negative = true;
            i = 1;
        }
        let mut int_digits = Vec::new();
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            int_digits.push(bytes[i] - b'0');
            i += 1;
        }
        let mut frac_digits = Vec::new();
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                frac_digits.push(bytes[i] - b'0');
                i += 1;
            }
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return None;
        }
        let mut exp: i64 = 0;
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            i += 1;
            let mut exp_neg = false;
            if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                exp_neg = bytes[i] == b'-';
                i += 1;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                // Saturate: anything this large is out of range anyway.
                exp = exp
                    .saturating_mul(10)
                    .saturating_add(i64::from(bytes[i] - b'0'));
                if exp > 1_000_000_000 {
                    exp = 1_000_000_000;
                }
                i += 1;
            }
            if start == i {
                return None;
            }
            if exp_neg {
                exp = -exp;
            }
        }
        if i != bytes.len() {
            return None;
        }
        let int_len = int_digits.len() as i64;
        let mut all = int_digits;
        all.extend(frac_digits);
        // exponent of the first digit in `all` is int_len - 1 + exp
        let lead = all.iter().take_while(|d| **d == 0).count();
        if lead == all.len() {
            return Some(Number::zero());
        }
        let mut digits: Vec<u8> = all[lead..].to_vec();
        while digits.last() == Some(&0) {
            digits.pop();
        }
        Some(Number {
            negative,
            digits,
            exponent: int_len - 1 - lead as i64 + exp,
        })
    }

    /// Plain decimal notation with no exponent, as DynamoDB returns numbers
    /// (`"1e3"` is stored and returned as `"1000"`).
    pub fn to_plain_string(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        let n = self.digits.len() as i64;
        if self.exponent < 0 {
            out.push_str("0.");
            for _ in 0..(-self.exponent - 1) {
                out.push('0');
            }
            for d in &self.digits {
                out.push((b'0' + d) as char);
            }
        } else if self.exponent + 1 >= n {
            for d in &self.digits {
                out.push((b'0' + d) as char);
            }
            for _ in 0..(self.exponent + 1 - n) {
                out.push('0');
            }
        } else {
            let split = (self.exponent + 1) as usize;
            for d in &self.digits[..split] {
                out.push((b'0' + d) as char);
            }
            out.push('.');
            for d in &self.digits[split..] {
                out.push((b'0' + d) as char);
            }
        }
        out
    }

    fn cmp_magnitude(&self, other: &Number) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        self.exponent
            .cmp(&other.exponent)
            .then_with(|| self.digits.cmp(&other.digits))
    }

    /// Digits aligned to a common lowest power of ten: (digit vector most significant first, power of last digit).
    fn aligned(&self, low: i64, high: i64) -> Vec<u8> {
        // positions high..=low
        let mut v = vec![0u8; (high - low + 1) as usize];
        for (k, d) in self.digits.iter().enumerate() {
            let pos = self.exponent - k as i64;
            let idx = (high - pos) as usize;
            if let Some(slot) = v.get_mut(idx) {
                *slot = *d;
            }
        }
        v
    }

    fn low_pos(&self) -> i64 {
        self.exponent - self.digits.len() as i64 + 1
    }

    fn from_aligned(negative: bool, v: Vec<u8>, high: i64) -> Number {
        let lead = v.iter().take_while(|d| **d == 0).count();
        if lead == v.len() {
            return Number::zero();
        }
        let mut digits = v[lead..].to_vec();
        while digits.last() == Some(&0) {
            digits.pop();
        }
        Number {
            negative,
            digits,
            exponent: high - lead as i64,
        }
    }

    /// Exact sum.
    pub fn add(&self, other: &Number) -> Number {
        if self.is_zero() {
            return other.clone();
        }
        if other.is_zero() {
            return self.clone();
        }
        let high = self.exponent.max(other.exponent) + 1;
        let low = self.low_pos().min(other.low_pos());
        let a = self.aligned(low, high);
        let b = other.aligned(low, high);
        if self.negative == other.negative {
            let mut out = vec![0u8; a.len()];
            let mut carry = 0u8;
            for i in (0..a.len()).rev() {
                let s = a[i] + b[i] + carry;
                out[i] = s % 10;
                carry = s / 10;
            }
            Number::from_aligned(self.negative, out, high)
        } else {
            let (big, small, neg) = match self.cmp_magnitude(other) {
                Ordering::Equal => return Number::zero(),
                Ordering::Greater => (a, b, self.negative),
                Ordering::Less => (b, a, other.negative),
            };
            let mut out = vec![0u8; big.len()];
            let mut borrow = 0i8;
            for i in (0..big.len()).rev() {
                let mut d = big[i] as i8 - small[i] as i8 - borrow;
                if d < 0 {
                    d += 10;
                    borrow = 1;
                } else {
                    borrow = 0;
                }
                out[i] = d as u8;
            }
            Number::from_aligned(neg, out, high)
        }
    }

    pub fn negate(&self) -> Number {
        let mut n = self.clone();
        if !n.is_zero() {
            n.negative = !n.negative;
        }
        n
    }

    pub fn sub(&self, other: &Number) -> Number {
        self.add(&other.negate())
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (self.is_negative(), other.is_negative()) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|_| Number::zero())
    }

    #[test]
    fn normalises() {
        assert_eq!(n("1e3").to_plain_string(), "1000");
        assert_eq!(n("01.50").to_plain_string(), "1.5");
        assert_eq!(n("-0.0012").to_plain_string(), "-0.0012");
        assert_eq!(n("-0").to_plain_string(), "0");
        assert_eq!(n(".5").to_plain_string(), "0.5");
        assert!(Number::parse("1.").is_ok());
        assert_eq!(Number::parse("abc"), Err(NumberError::Invalid));
        assert_eq!(Number::parse("+1"), Err(NumberError::Invalid));
        assert_eq!(Number::parse("1e126"), Err(NumberError::Overflow));
        assert_eq!(Number::parse("1e-131"), Err(NumberError::Underflow));
        assert_eq!(
            Number::parse("123456789012345678901234567890123456789"),
            Err(NumberError::TooManyDigits)
        );
    }

    #[test]
    fn arithmetic_is_exact() {
        let a = n("12345678901234567890123456789012345678");
        let b = n("1");
        assert_eq!(
            a.add(&b).to_plain_string(),
            "12345678901234567890123456789012345679"
        );
        assert_eq!(n("0.1").add(&n("0.2")).to_plain_string(), "0.3");
        assert_eq!(n("5").sub(&n("7.5")).to_plain_string(), "-2.5");
        assert_eq!(n("-5").add(&n("5")).to_plain_string(), "0");
        assert!(n("-10") < n("-9.99"));
        assert!(n("0.001") < n("1"));
        assert!(n("100") > n("99.999"));
    }
}
