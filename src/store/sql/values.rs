//! The conversions between Rust values and the store's [`Value`]: what may be bound as a
//! parameter ([`Param`]) and what a column may be read as ([`Column`]).

use super::{Column, Param, Value};

macro_rules! int_param {
    ($($ty:ty),+) => {$(
        impl Param for $ty {
            fn value(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )+};
}
int_param!(i64, i32, u32, u16, u8, bool);

impl Param for u64 {
    fn value(&self) -> Value<'_> {
        // Beyond i64 a value is stored saturated, as no column here holds one.
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Param for usize {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Param for f64 {
    fn value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl Param for str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for [u8] {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<const N: usize> Param for [u8; N] {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl Param for Vec<u8> {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, Param::value)
    }
}

fn mismatch<T>(v: Value<'_>, wanted: &str) -> Result<T, String> {
    Err(format!("column holds {v:?}, not {wanted}"))
}

macro_rules! int_column {
    ($($ty:ty),+) => {$(
        impl Column for $ty {
            fn from_value(v: Value<'_>) -> Result<Self, String> {
                match v {
                    Value::Int(i) => <$ty>::try_from(i).map_err(|e| format!("{i}: {e}")),
                    _ => mismatch(v, stringify!($ty)),
                }
            }
        }
    )+};
}
int_column!(i64, i32, u64, u32, u16, u8, usize);

impl Column for bool {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i != 0),
            _ => mismatch(v, "a boolean"),
        }
    }
}

impl Column for f64 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            _ => mismatch(v, "a number"),
        }
    }
}

impl Column for String {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.to_owned()),
            _ => mismatch(v, "text"),
        }
    }
}

impl Column for Vec<u8> {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.to_vec()),
            _ => mismatch(v, "bytes"),
        }
    }
}

impl<T: Column> Column for Option<T> {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}
