//! Resource quantities (`500m`, `2`, `128Mi`, `1G`) as Kubernetes parses them, reduced to the
//! integer units the scheduler compares: CPU in millicores, memory in bytes.

/// A quantity that does not parse, with the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("invalid cpu quantity {0:?}: expected e.g. \"2\", \"500m\" or \"0.5\"")]
    Cpu(String),
    #[error("invalid memory quantity {0:?}: expected e.g. \"8Gi\", \"512Mi\" or \"1G\"")]
    Memory(String),
}

crate::errors::error_text!(QuantityError);

/// CPU quantity to millicores: `2` → 2000, `500m` → 500, `0.5` → 500.
pub fn parse_cpu_milli(text: &str) -> Result<u64, QuantityError> {
    let t = text.trim();
    let bad = || QuantityError::Cpu(text.to_string());
    if let Some(m) = t.strip_suffix('m') {
        return m.parse::<u64>().map_err(|_| bad());
    }
    parse_decimal_scaled(t, 1000).ok_or_else(bad)
}

/// Memory quantity to bytes: `8Gi`, `512Mi`, `1G`, `1000`, `1e3`.
pub fn parse_memory_bytes(text: &str) -> Result<u64, QuantityError> {
    let t = text.trim();
    let bad = || QuantityError::Memory(text.to_string());
    const SUFFIXES: &[(&str, u64)] = &[
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("Ei", 1 << 60),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ];
    for (suffix, factor) in SUFFIXES {
        if let Some(n) = t.strip_suffix(suffix) {
            return parse_decimal_scaled(n, *factor).ok_or_else(bad);
        }
    }
    if let Some(m) = t.strip_suffix('m') {
        // Milli-bytes are legal in Kubernetes; round up as the API server does for byte counts.
        let milli = m.parse::<u64>().map_err(|_| bad())?;
        return Ok(milli.div_ceil(1000));
    }
    if let Some((mantissa, exp)) = t.split_once(['e', 'E']) {
        let e: u32 = exp.parse().map_err(|_| bad())?;
        let factor = 10u64.checked_pow(e).ok_or_else(bad)?;
        return parse_decimal_scaled(mantissa, factor).ok_or_else(bad);
    }
    parse_decimal_scaled(t, 1).ok_or_else(bad)
}

/// `1.5` scaled by 1000 → 1500; rounds up fractions as Kubernetes does.
fn parse_decimal_scaled(text: &str, factor: u64) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int_v: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut value = int_v.checked_mul(factor)?;
    if !frac.is_empty() {
        let digits = frac.len().min(18) as u32;
        let frac_v: u128 = frac[..digits as usize].parse().ok()?;
        let scaled = (frac_v * factor as u128).div_ceil(10u128.pow(digits));
        value = value.checked_add(u64::try_from(scaled).ok()?)?;
    }
    Some(value)
}

/// Millicores in kubectl's form: `2`, `500m`.
pub fn format_cpu_milli(milli: u64) -> String {
    if milli.is_multiple_of(1000) {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    }
}

/// Bytes in kubectl's binary-suffix form when exact: `8Gi`, `512Mi`, `1000`.
pub fn format_memory(bytes: u64) -> String {
    for (suffix, shift) in [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        if bytes != 0 && bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{suffix}", bytes >> shift);
        }
    }
    format!("{bytes}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        assert_eq!(parse_cpu_milli("2"), Ok(2000));
        assert_eq!(parse_cpu_milli("500m"), Ok(500));
        assert_eq!(parse_cpu_milli("0.5"), Ok(500));
        assert_eq!(parse_cpu_milli("1.25"), Ok(1250));
        assert!(parse_cpu_milli("two").is_err());
        assert!(parse_cpu_milli("").is_err());
        assert!(parse_cpu_milli("-1").is_err());
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(parse_memory_bytes("8Gi"), Ok(8 << 30));
        assert_eq!(parse_memory_bytes("512Mi"), Ok(512 << 20));
        assert_eq!(parse_memory_bytes("1G"), Ok(1_000_000_000));
        assert_eq!(parse_memory_bytes("1e3"), Ok(1000));
        assert_eq!(parse_memory_bytes("1.5Gi"), Ok(3 << 29));
        assert!(parse_memory_bytes("8GB").is_err());
        assert_eq!(format_memory(8 << 30), "8Gi");
        assert_eq!(format_cpu_milli(250), "250m");
        assert_eq!(format_cpu_milli(4000), "4");
    }
}
