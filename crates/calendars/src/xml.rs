//! A tiny namespace-aware XML tree over quick-xml, enough for WebDAV multistatus answers.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// Deepest nesting accepted (multistatus answers are shallow).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// Namespace URI ("" when unbound).
    pub ns: String,
    /// Local name.
    pub name: String,
    /// Attributes by local name (namespaces dropped).
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's own text and CDATA, concatenated (not its children's).
    pub text: String,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn children_named<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Trimmed text, `None` when empty.
    pub fn text_trimmed(&self) -> Option<&str> {
        let t = self.text.trim();
        (!t.is_empty()).then_some(t)
    }
}

fn ns_of(res: &ResolveResult<'_>) -> String {
    match res {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
        _ => String::new(),
    }
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// Parses a whole document into its root element.
pub(crate) fn parse(body: &str) -> Result<Element, String> {
    let mut reader = NsReader::from_str(body);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (res, event) = reader.read_resolved_event().map_err(|e| format!("XML: {e}"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err("XML nested too deeply".into());
                }
                let mut el = Element {
                    ns: ns_of(&res),
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Default::default()
                };
                for attr in e.attributes().flatten() {
                    let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
                    if attr.key.as_ref().starts_with(b"xmlns") {
                        continue;
                    }
                    let value = attr
                        .decode_and_unescape_value(reader.decoder())
                        .map(|v| v.into_owned())
                        .unwrap_or_else(|_| String::from_utf8_lossy(&attr.value).into_owned());
                    el.attrs.push((key, value));
                }
                if matches!(event, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => {
                            root = Some(el);
                            break;
                        }
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err("XML: unbalanced end tag".into());
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => {
                        root = Some(el);
                        break;
                    }
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml_content().map_err(|e| format!("XML: {e}"))?);
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml_content().map_err(|e| format!("XML: {e}"))?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(el) = stack.last_mut() {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        el.text.push(c);
                    } else {
                        let name = r.decode().map_err(|e| format!("XML: {e}"))?;
                        match entity(&name) {
                            Some(c) => el.text.push(c),
                            None => return Err(format!("XML: unknown entity &{name};")),
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| "XML: no root element".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_text_and_entities() {
        let doc = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">
  <d:response><d:href>/a%20b/</d:href>
    <d:propstat><d:prop><cal:calendar-data><![CDATA[BEGIN:VCALENDAR]]>&#13;
x &amp; y</cal:calendar-data><x:foo xmlns:x="urn:x" a="1&lt;2"/></d:prop></d:propstat>
  </d:response>
</d:multistatus>"#;
        let root = parse(doc).unwrap();
        assert!(root.is("DAV:", "multistatus"));
        let resp = root.child("DAV:", "response").unwrap();
        assert_eq!(resp.child("DAV:", "href").unwrap().text, "/a%20b/");
        let prop = resp.child("DAV:", "propstat").unwrap().child("DAV:", "prop").unwrap();
        let data = prop.child("urn:ietf:params:xml:ns:caldav", "calendar-data").unwrap();
        assert_eq!(data.text, "BEGIN:VCALENDAR\r\nx & y");
        let foo = prop.child("urn:x", "foo").unwrap();
        assert_eq!(foo.attr("a"), Some("1<2"));
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("not xml at all").is_err());
    }
}
