//! A server-sent events decoder (the WHATWG `text/event-stream` format) over arbitrary
//! byte chunks: lines end with `\n` or `\r\n`; `data:` lines of one event are joined with
//! `\n`; `event:` names it; lines starting with `:` are comments; a blank line ends the
//! event. Chunk boundaries may fall anywhere, even inside a UTF-8 character. An event
//! not ended by a blank line when the stream stops is dropped, as the format says.

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    /// Bytes of the current, unfinished line.
    line: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

/// A single line may not grow past this (a provider never sends one this long).
const MAX_LINE: usize = 4 * 1024 * 1024;

impl SseDecoder {
    /// Feeds a chunk; returns the events it completed, in order.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, &'static str> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            self.line.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8(line).map_err(|_| "an event-stream line is not UTF-8")?;
            if let Some(event) = self.line_done(&line) {
                out.push(event);
            }
        }
        self.line.extend_from_slice(rest);
        if self.line.len() > MAX_LINE {
            return Err("an event-stream line is too long");
        }
        Ok(out)
    }

    fn line_done(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let data = self.data.take();
            let event = self.event.take();
            return data.map(|data| SseEvent { event, data });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "event" => self.event = Some(value.to_owned()),
            _ => {} // id, retry, unknown fields: not used by these APIs
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::default();
        chunks
            .iter()
            .flat_map(|c| decoder.push(c).unwrap())
            .collect()
    }

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    #[test]
    fn events_are_split_on_blank_lines_with_names_and_multi_line_data() {
        let stream = b"event: ping\ndata: {}\n\n: comment\ndata: a\ndata:b\n\ndata: [DONE]\n\n";
        assert_eq!(
            all(&[stream]),
            [ev(Some("ping"), "{}"), ev(None, "a\nb"), ev(None, "[DONE]")]
        );
    }

    #[test]
    fn chunk_boundaries_may_fall_anywhere_even_inside_a_character() {
        let stream = "event: x\r\ndata: héllo 🦀\r\n\r\n".as_bytes();
        for split in 0..stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(
                all(&[a, b]),
                [ev(Some("x"), "héllo 🦀")],
                "split at {split}"
            );
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(all(&bytes), [ev(Some("x"), "héllo 🦀")]);
    }

    #[test]
    fn an_unterminated_event_is_not_dispatched_and_bad_bytes_are_errors() {
        assert!(all(&[b"data: partial\n"]).is_empty());
        let mut decoder = SseDecoder::default();
        assert!(decoder.push(b"data: \xff\n").is_err());
    }
}
