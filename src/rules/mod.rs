//! Rules: each finding has a stable code, a severity, a cell and a message.
