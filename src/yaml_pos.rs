//! Where things are in a YAML text: a position index built from libyaml's parse events.
//!
//! yaml_serde reports a position for the errors it finds while deserializing, but not for the
//! problems found later (a fault naming a node that does not exist, an unknown invariant id);
//! those only know their path (`steps[3].fault`). This index maps such paths back to line and
//! column. It also gives the loader what yaml_serde does not say precisely: where a syntax error
//! is, whether the file holds no document or several, and where an unknown key is written.
//!
//! It walks libyaml's events (the same parser yaml_serde uses, so both agree on every mark) into a
//! flat arena of nodes: no recursion while building, walking or dropping, so depth cannot overflow
//! the stack; nesting beyond yaml_serde's own limit (128) is refused early, because libyaml slows
//! down quadratically with flow nesting. Only the first document is indexed: the start of a second
//! one is recorded and parsing stops there, since a scenario file holds one document.
//!
//! Limits: aliases are followed to their anchor (the last one of that name in the document); keys
//! brought in by a merge key (`<<: *base`) are not found, which matches yaml_serde, which does not
//! apply merge keys when deserializing a struct either. Columns count characters, not bytes, as
//! libyaml does; a lone `\r` or U+2028 counts as a line break for libyaml.

use libyaml_rs as sys;
use std::collections::HashMap;
use std::ffi::{CStr, c_char};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// yaml_serde's recursion limit.
const MAX_DEPTH: usize = 128;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Pos {
    fn from_mark(mark: sys::yaml_mark_t) -> Self {
        Self {
            line: to_usize(mark.line).saturating_add(1),
            column: to_usize(mark.column).saturating_add(1),
        }
    }

    /// The position of a byte offset, for the reader errors libyaml reports without a mark.
    pub(crate) fn of_offset(text: &str, offset: usize) -> Self {
        let mut line = 1;
        let mut column = 1;
        for (i, c) in text.char_indices() {
            if i >= offset {
                break;
            }
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        Self { line, column }
    }
}

/// The start of a text.
impl Default for Pos {
    fn default() -> Self {
        Self { line: 1, column: 1 }
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Why a text could not be indexed: a YAML syntax (scanner, parser or reader) error as libyaml
/// words it, or nesting beyond the limit. The message says which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) pos: Option<Pos>,
    pub(crate) message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `empty` is true for a scalar with no text at all (`key:` with nothing after it).
    Scalar {
        value: String,
        empty: bool,
    },
    Sequence,
    Mapping,
    Alias(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) start: Pos,
    parent: Option<usize>,
    /// Items of a sequence; keys and values of a mapping, alternating.
    children: Vec<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Document {
    /// Where the document starts: its `---`, or its first token when the start is implicit.
    pub(crate) start: Pos,
    pub(crate) root: Option<usize>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    nodes: Vec<Node>,
    /// The first document, and the start of a second one if there is one (never more).
    pub(crate) documents: Vec<Document>,
    anchors: HashMap<String, usize>,
    /// The first key written twice in one mapping: (first, second) key nodes.
    pub(crate) duplicate: Option<(usize, usize)>,
    /// Where the stream ends (where an empty or comment-only file is reported).
    pub(crate) end: Pos,
}

/// What a path resolved to. `complete` is false when only a prefix of the path exists; `node`
/// is then the deepest node reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) node: usize,
    /// The key node when the last step taken was a mapping entry.
    pub(crate) key: Option<usize>,
    pub(crate) complete: bool,
    /// How many path segments were matched (0: nothing but the root).
    pub(crate) depth: usize,
}

impl Index {
    /// Parses `text` and indexes its first document.
    pub(crate) fn parse(text: &str) -> Result<Self, ParseError> {
        let mut parser = Parser::new(text).ok_or_else(|| ParseError {
            pos: None,
            message: "out of memory while reading YAML".to_string(),
        })?;
        let mut index = Self::default();
        // Open collections, with the scalar keys seen so far when a mapping.
        let mut open: Vec<(usize, HashMap<String, usize>)> = Vec::new();
        loop {
            let event = parser.next(text)?;
            let (node_kind, anchor) = match event.kind {
                EventKind::StreamEnd => {
                    index.end = event.start;
                    break;
                }
                EventKind::DocumentStart => {
                    index.documents.push(Document {
                        start: event.start,
                        root: None,
                    });
                    if index.documents.len() > 1 {
                        break;
                    }
                    continue;
                }
                EventKind::Other | EventKind::DocumentEnd => continue,
                EventKind::SequenceEnd | EventKind::MappingEnd => {
                    open.pop();
                    continue;
                }
                EventKind::Node(kind, anchor) => (kind, anchor),
            };
            let id = index.nodes.len();
            let is_collection = matches!(node_kind, Kind::Sequence | Kind::Mapping);
            let key = match (&node_kind, open.last()) {
                (Kind::Scalar { value, .. }, Some((parent, _))) if index.is_next_child_a_key(*parent) => {
                    Some(value.clone())
                }
                _ => None,
            };
            let parent = open.last().map(|(p, _)| *p);
            index.nodes.push(Node {
                kind: node_kind,
                start: event.start,
                parent,
                children: Vec::new(),
            });
            if let Some(anchor) = anchor {
                index.anchors.insert(anchor, id);
            }
            match open.last_mut() {
                Some((parent, keys)) => {
                    if let Some(p) = index.nodes.get_mut(*parent) {
                        p.children.push(id);
                    }
                    if let Some(key) = key
                        && let Some(first) = keys.insert(key, id)
                    {
                        index.duplicate.get_or_insert((first, id));
                    }
                }
                None => {
                    if let Some(doc) = index.documents.last_mut() {
                        doc.root.get_or_insert(id);
                    }
                }
            }
            if is_collection {
                open.push((id, HashMap::new()));
                // libyaml slows down quadratically with flow nesting depth, and yaml_serde
                // refuses more than 128 levels anyway: stop reading there.
                if open.len() > MAX_DEPTH {
                    return Err(ParseError {
                        pos: Some(event.start),
                        message: format!("YAML nested deeper than {MAX_DEPTH} levels"),
                    });
                }
            }
        }
        Ok(index)
    }

    /// Whether the next child of `parent` is a mapping key.
    fn is_next_child_a_key(&self, parent: usize) -> bool {
        self.nodes
            .get(parent)
            .is_some_and(|p| p.kind == Kind::Mapping && p.children.len() % 2 == 0)
    }

    /// The path of a node (`steps[1].expect`), as [`Index::resolve`] reads it: "" for the root.
    pub(crate) fn path_of(&self, id: usize) -> String {
        let mut segments = Vec::new();
        let mut id = id;
        while let Some(parent) = self.nodes.get(id).and_then(|n| n.parent) {
            let Some(p) = self.nodes.get(parent) else {
                break;
            };
            let at = p.children.iter().position(|&c| c == id).unwrap_or_default();
            match p.kind {
                Kind::Sequence => segments.push(format!("[{at}]")),
                // A key has no path of its own: it is named by its mapping's.
                Kind::Mapping if at % 2 == 1 => {
                    let key = p.children.get(at - 1).and_then(|&k| self.scalar(k)).unwrap_or("?");
                    segments.push(format!(".{key}"));
                }
                _ => {}
            }
            id = parent;
        }
        segments.reverse();
        let path = segments.concat();
        path.strip_prefix('.').map(str::to_string).unwrap_or(path)
    }

    pub(crate) fn node(&self, id: usize) -> Option<&Node> {
        self.nodes.get(id)
    }

    pub(crate) fn root(&self) -> Option<usize> {
        self.documents.first().and_then(|d| d.root)
    }

    /// The node an alias stands for; any other node itself.
    fn target(&self, id: usize) -> usize {
        match self.nodes.get(id).map(|n| &n.kind) {
            Some(Kind::Alias(name)) => self.anchors.get(name).copied().unwrap_or(id),
            _ => id,
        }
    }

    pub(crate) fn scalar(&self, id: usize) -> Option<&str> {
        match &self.nodes.get(self.target(id))?.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The (key, value) entries of a mapping, in document order.
    fn entries(&self, map: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let map = self.target(map);
        let children = match self.nodes.get(map) {
            Some(Node {
                kind: Kind::Mapping,
                children,
                ..
            }) => children.as_slice(),
            _ => &[],
        };
        children.chunks_exact(2).map(|kv| (kv[0], kv[1]))
    }

    /// The (key, value) entry of `map` whose key is `key`.
    pub(crate) fn entry(&self, map: usize, key: &str) -> Option<(usize, usize)> {
        self.entries(map).find(|(k, _)| self.scalar(*k) == Some(key))
    }

    pub(crate) fn items(&self, seq: usize) -> &[usize] {
        match self.nodes.get(self.target(seq)) {
            Some(Node {
                kind: Kind::Sequence,
                children,
                ..
            }) => children,
            _ => &[],
        }
    }

    /// Resolves a path such as `steps[3].fault`, `cluster.nodes[1]` or `.` (the root) within the
    /// first document. Keys may contain dots (`labels.app.kubernetes.io/name`): the longest key of
    /// the mapping that the path continues with wins.
    pub(crate) fn resolve(&self, path: &str) -> Option<Found> {
        let root = self.root()?;
        let mut found = Found {
            node: self.target(root),
            key: None,
            complete: false,
            depth: 0,
        };
        let mut rest = if path == "." { "" } else { path };
        loop {
            if rest.is_empty() {
                found.complete = true;
                return Some(found);
            }
            if let Some(after) = rest.strip_prefix('[') {
                let Some((digits, after)) = after.split_once(']') else {
                    return Some(found);
                };
                let Ok(i) = digits.parse::<usize>() else {
                    return Some(found);
                };
                let Some(&item) = self.items(found.node).get(i) else {
                    return Some(found);
                };
                found = Found {
                    node: self.target(item),
                    key: None,
                    complete: false,
                    depth: found.depth + 1,
                };
                rest = after;
                continue;
            }
            let segment = if found.depth == 0 {
                rest
            } else if let Some(s) = rest.strip_prefix('.') {
                s
            } else {
                return Some(found);
            };
            let best = self
                .entries(found.node)
                .filter_map(|(k, v)| {
                    let key = self.scalar(k)?;
                    let after = segment.strip_prefix(key)?;
                    (!key.is_empty() && (after.is_empty() || after.starts_with(['.', '[']))).then_some((
                        k,
                        v,
                        key.len(),
                    ))
                })
                .max_by_key(|(_, _, len)| *len);
            let Some((k, v, len)) = best else {
                return Some(found);
            };
            found = Found {
                node: self.target(v),
                key: Some(k),
                complete: false,
                depth: found.depth + 1,
            };
            rest = segment.get(len..).unwrap_or_default();
        }
    }

    /// Where to point for a resolved path: a scalar value written after its key is the node
    /// itself; a collection value (which starts on a later line in block style) or an empty
    /// value is best shown by its key.
    pub(crate) fn position(&self, found: &Found) -> Option<Pos> {
        let node = self.nodes.get(found.node)?;
        let key_pos = found.key.and_then(|k| self.nodes.get(k)).map(|k| k.start);
        match (&node.kind, key_pos) {
            (Kind::Scalar { empty: false, .. }, _) | (_, None) => Some(node.start),
            (_, Some(key)) => Some(key),
        }
    }
}

enum EventKind {
    DocumentStart,
    DocumentEnd,
    StreamEnd,
    SequenceEnd,
    MappingEnd,
    /// A node, with its anchor.
    Node(Kind, Option<String>),
    Other,
}

struct Event {
    kind: EventKind,
    start: Pos,
}

/// libyaml's parser over a borrowed text.
struct Parser<'a> {
    // A raw pointer to a leaked box, used only as a raw pointer: libyaml keeps a pointer to the
    // parser itself (as its read handler's data), so the parser must neither move nor be
    // reborrowed uniquely by Rust once the input is set.
    sys: NonNull<sys::yaml_parser_t>,
    _input: PhantomData<&'a str>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Option<Self> {
        let raw = Box::into_raw(Box::<sys::yaml_parser_t>::new_uninit());
        let parser = raw.cast::<sys::yaml_parser_t>();
        // SAFETY: yaml_parser_initialize zeroes and sets up every field of the allocation; it
        // only fails on allocation failure, having freed what it allocated, so only the box is
        // left to free. `text` outlives the parser (`'a`), and UTF-8 is what a `&str` holds.
        unsafe {
            if sys::yaml_parser_initialize(parser).fail {
                drop(Box::from_raw(raw));
                return None;
            }
            sys::yaml_parser_set_encoding(parser, sys::YAML_UTF8_ENCODING);
            sys::yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as u64);
        }
        Some(Self {
            sys: NonNull::new(parser)?,
            _input: PhantomData,
        })
    }

    fn next(&mut self, text: &str) -> Result<Event, ParseError> {
        let parser = self.sys.as_ptr();
        let mut raw = MaybeUninit::<sys::yaml_event_t>::uninit();
        // SAFETY: the parser is initialized and its input outlives it. libyaml refuses to go on
        // after an error, so that is checked first. On success the event is fully written, read,
        // then freed once.
        unsafe {
            if (&*parser).error != sys::YAML_NO_ERROR || sys::yaml_parser_parse(parser, raw.as_mut_ptr()).fail {
                return Err(syntax_error(&*parser, text));
            }
            let event = raw.as_mut_ptr();
            let converted = convert(&*event);
            sys::yaml_event_delete(event);
            Ok(converted)
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        let parser = self.sys.as_ptr();
        // SAFETY: initialized in `new` from a box, deleted and freed once here.
        unsafe {
            sys::yaml_parser_delete(parser);
            drop(Box::from_raw(parser));
        }
    }
}

/// # Safety
/// `event` must be an event libyaml produced and has not deleted yet.
unsafe fn convert(event: &sys::yaml_event_t) -> Event {
    let start = Pos::from_mark(event.start_mark);
    // SAFETY (all union reads): each arm reads the member its event type defines.
    let kind = unsafe {
        match event.type_ {
            sys::YAML_DOCUMENT_START_EVENT => EventKind::DocumentStart,
            sys::YAML_DOCUMENT_END_EVENT => EventKind::DocumentEnd,
            sys::YAML_STREAM_END_EVENT => EventKind::StreamEnd,
            sys::YAML_SEQUENCE_END_EVENT => EventKind::SequenceEnd,
            sys::YAML_MAPPING_END_EVENT => EventKind::MappingEnd,
            sys::YAML_ALIAS_EVENT => {
                EventKind::Node(Kind::Alias(c_string(event.data.alias.anchor).unwrap_or_default()), None)
            }
            sys::YAML_SCALAR_EVENT => {
                let s = event.data.scalar;
                let bytes = if s.value.is_null() {
                    &[][..]
                } else {
                    std::slice::from_raw_parts(s.value, to_usize(s.length))
                };
                let value = String::from_utf8_lossy(bytes).into_owned();
                // An empty plain scalar covers no text: its end is where it starts.
                let empty = value.is_empty() && event.start_mark.index == event.end_mark.index;
                EventKind::Node(Kind::Scalar { value, empty }, c_string(s.anchor))
            }
            sys::YAML_SEQUENCE_START_EVENT => {
                EventKind::Node(Kind::Sequence, c_string(event.data.sequence_start.anchor))
            }
            sys::YAML_MAPPING_START_EVENT => EventKind::Node(Kind::Mapping, c_string(event.data.mapping_start.anchor)),
            _ => EventKind::Other,
        }
    };
    Event { kind, start }
}

/// # Safety
/// `p` is null or points to a NUL-terminated string.
unsafe fn c_string(p: *const u8) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: per this function's contract.
    Some(
        unsafe { CStr::from_ptr(p.cast::<c_char>()) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// # Safety
/// `parser` is an initialized parser whose `error` is set.
unsafe fn syntax_error(parser: &sys::yaml_parser_t, text: &str) -> ParseError {
    // SAFETY: libyaml's problem and context strings are static NUL-terminated strings or null.
    let (problem, context) = unsafe {
        (
            c_string(parser.problem.cast()).unwrap_or_else(|| "invalid YAML".to_string()),
            c_string(parser.context.cast()),
        )
    };
    if parser.error == sys::YAML_READER_ERROR {
        // The reader has no mark, only the offset of the offending byte.
        let value = u32::try_from(parser.problem_value)
            .ok()
            .map(|v| format!(" (#x{v:X})"))
            .unwrap_or_default();
        return ParseError {
            pos: Some(Pos::of_offset(text, to_usize(parser.problem_offset))),
            message: format!("YAML syntax error: {problem}{value}"),
        };
    }
    let pos = Pos::from_mark(parser.problem_mark);
    let mut message = format!("YAML syntax error: {problem}");
    if let Some(context) = context {
        let at = Pos::from_mark(parser.context_mark);
        message.push_str(&format!(", {context}"));
        if at != pos {
            message.push_str(&format!(" at line {} column {}", at.line, at.column));
        }
    }
    ParseError {
        pos: Some(pos),
        message,
    }
}
