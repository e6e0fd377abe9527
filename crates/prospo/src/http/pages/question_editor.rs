//! The booking questions' editor of the event type form. It posts indexed fields (`q.0.label`,
//! `q.0.kind`, `q.0.required`, `q.0.options` with one option per line, and `q.0.id` to keep a
//! question's id) so rows can be added and removed in the browser; without JavaScript the form
//! carries one spare empty row.

use std::collections::BTreeMap;

use crate::domain::questions::{MAX_QUESTIONS, QuestionInput, QuestionKind, QuestionProblem, Questions};

/// One question as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRow {
    /// Empty for a question not saved yet.
    pub id: String,
    pub label: String,
    pub kind: QuestionKind,
    pub required: bool,
    /// One option per line.
    pub options: String,
}

impl QuestionRow {
    fn blank() -> QuestionRow {
        QuestionRow {
            id: String::new(),
            label: String::new(),
            kind: QuestionKind::Text,
            required: false,
            options: String::new(),
        }
    }

    fn is_blank(&self) -> bool {
        self.label.trim().is_empty() && self.options.trim().is_empty()
    }

    /// The same input the JSON API takes. Options typed before the kind was changed from choice
    /// are left out (the editor hides them then).
    pub fn to_input(&self) -> QuestionInput {
        let choice = self.kind == QuestionKind::Choice;
        QuestionInput {
            id: Some(self.id.trim().to_owned()).filter(|id| !id.is_empty()),
            label: self.label.clone(),
            kind: self.kind,
            required: self.required,
            options: choice.then(|| self.options.lines().filter(|o| !o.trim().is_empty()).map(str::to_owned).collect()),
        }
    }
}

/// The rows the indexed fields hold, in index order; rows left blank are dropped. `fields` may hold
/// other fields too: only `q.{index}.{part}` ones are read.
pub fn rows_of_fields(fields: &BTreeMap<String, String>) -> Vec<QuestionRow> {
    let mut rows: BTreeMap<u32, QuestionRow> = BTreeMap::new();
    for (key, value) in fields {
        let mut parts = key.splitn(3, '.');
        let (Some("q"), Some(Ok(index)), Some(part)) =
            (parts.next(), parts.next().map(str::parse::<u32>), parts.next())
        else {
            continue;
        };
        let row = rows.entry(index).or_insert_with(QuestionRow::blank);
        match part {
            "id" => row.id = value.clone(),
            "label" => row.label = value.clone(),
            "kind" => row.kind = value.parse().unwrap_or(QuestionKind::Text),
            "required" => row.required = true,
            "options" => row.options = value.clone(),
            _ => {}
        }
    }
    rows.into_values().filter(|row| !row.is_blank()).collect()
}

/// The indexed fields of stored questions (the form's starting values).
pub fn fields_of(questions: &Questions) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    for (index, q) in questions.0.iter().enumerate() {
        fields.insert(format!("q.{index}.id"), q.id.clone());
        fields.insert(format!("q.{index}.label"), q.label.clone());
        fields.insert(format!("q.{index}.kind"), q.kind.as_str().to_owned());
        if q.required {
            fields.insert(format!("q.{index}.required"), "on".to_owned());
        }
        fields.insert(format!("q.{index}.options"), q.options.join("\n"));
    }
    fields
}

/// One row of the editor as the template shows it.
pub struct EditorRow {
    pub index: usize,
    pub row: QuestionRow,
    /// The refusal about this row, and which of its fields it is about.
    pub error: Option<String>,
    pub error_part: &'static str,
}

impl EditorRow {
    pub fn is_choice(&self) -> bool {
        self.row.kind == QuestionKind::Choice
    }

    /// The element id of one of the row's fields: `q-{index}-{part}`.
    pub fn html_id(&self, part: &str) -> String {
        format!("q-{}-{part}", self.index)
    }

    /// The field name of one of the row's fields: `q.{index}.{part}`.
    pub fn name(&self, part: &str) -> String {
        format!("q.{}.{part}", self.index)
    }

    pub fn has_error(&self, part: &str) -> bool {
        self.error.is_some() && self.error_part == part
    }

    /// A refusal about the row that no field of it shows (its id).
    pub fn other_error(&self) -> Option<&str> {
        self.error.as_deref().filter(|_| !matches!(self.error_part, "label" | "options"))
    }
}

/// The rows to show: the questions as typed (the one refused marked), then one spare empty row
/// while there is room for another question.
pub fn editor_rows(rows: Vec<QuestionRow>, problem: Option<&QuestionProblem>) -> Vec<EditorRow> {
    let room = rows.len() < MAX_QUESTIONS;
    let mut shown: Vec<EditorRow> = rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| {
            let mine = problem.filter(|p| p.index == Some(index));
            EditorRow {
                index,
                row,
                error: mine.map(|p| p.message.clone()),
                error_part: mine.map(|p| p.part).unwrap_or(""),
            }
        })
        .collect();
    if room {
        shown.push(EditorRow { index: shown.len(), row: QuestionRow::blank(), error: None, error_part: "" });
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questions::parse_questions;

    #[test]
    fn indexed_rows_become_questions_and_back() {
        let body = "title=Intro&q.0.label=Company&q.0.kind=text&q.0.required=on&q.0.options=\
                    &q.10.label=Size&q.10.kind=choice&q.10.options=Small%0D%0ALarge%0D%0A\
                    &q.2.label=&q.2.kind=checkbox&q.2.options=&q.3.id=qkeep&q.3.label=Agree&q.3.kind=checkbox";
        let fields: BTreeMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        let rows = rows_of_fields(&fields);
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Company", "Agree", "Size"], "index order, blank rows dropped");
        let mut n = 0;
        let questions = parse_questions(rows.iter().map(QuestionRow::to_input).collect(), || {
            n += 1;
            format!("new{n}")
        })
        .unwrap();
        assert_eq!(questions.0[1].id, "qkeep");
        assert!(questions.0[0].required && !questions.0[1].required);
        assert_eq!(questions.0[2].options, ["Small", "Large"]);
        assert_eq!(rows_of_fields(&fields_of(&questions)).len(), 3);
        let problem = QuestionProblem { index: Some(1), part: "label", message: "No".into() };
        let shown = editor_rows(rows, Some(&problem));
        assert_eq!(shown.len(), 4, "a spare row");
        assert!(shown[1].has_error("label") && !shown[0].has_error("label"));
    }
}
