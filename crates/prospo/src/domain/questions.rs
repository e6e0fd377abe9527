//! Booking questions (product.md §10): what an event type asks on its booking page, and the answers
//! a booking keeps. Both are stored as JSON beside their row, in the shape the API answers.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::text_forms::text_forms;

/// Questions an event type may ask.
pub const MAX_QUESTIONS: usize = 10;
pub const LABEL_MAX_CHARS: usize = 200;
/// A choice question's options: how many, and how long each.
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 20;
pub const OPTION_MAX_CHARS: usize = 100;
/// A question id: letters, digits, `_` and `-`.
pub const ID_MAX_CHARS: usize = 40;
/// The longest answers.
pub const TEXT_MAX_CHARS: usize = 1000;
pub const LONG_TEXT_MAX_CHARS: usize = 5000;

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One line of text (up to 1000 characters).
    Text,
    /// Several lines of text (up to 5000 characters).
    LongText,
    /// One of the question's `options`.
    Choice,
    /// A box to tick: `true` or `false` (a required one must be ticked).
    Checkbox,
}

text_forms! {
    QuestionKind { Text => "text", LongText => "long_text", Choice => "choice", Checkbox => "checkbox" }
}

impl QuestionKind {
    /// How the event type form names the kind.
    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Text => "Short text",
            QuestionKind::LongText => "Long text",
            QuestionKind::Choice => "Choice",
            QuestionKind::Checkbox => "Checkbox",
        }
    }

    fn max_chars(self) -> usize {
        match self {
            QuestionKind::LongText => LONG_TEXT_MAX_CHARS,
            _ => TEXT_MAX_CHARS,
        }
    }
}

/// A question as stored and answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Question {
    /// Made by the server when a question is added; the key of its answer.
    pub id: String,
    pub label: String,
    pub kind: QuestionKind,
    pub required: bool,
    /// A choice question's options, in order (absent for other kinds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// A question as the API and the form send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct QuestionInput {
    /// An existing question's id, to keep it (and the key of its answers); omitted for a new question.
    #[schema(min_length = 1, max_length = 40, pattern = "^[A-Za-z0-9_-]+$")]
    pub id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    /// Required for `choice` (2 to 20 distinct options of 1 to 100 characters) and only there.
    #[schema(min_items = 2, max_items = 20, inline)]
    pub options: Option<Vec<String>>,
}

/// An event type's questions, in the order the booking page asks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Questions(pub Vec<Question>);

impl Questions {
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("questions serialise")
    }
}

impl TryFrom<String> for Questions {
    type Error = serde_json::Error;
    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json).map(Questions)
    }
}

/// What was refused about one question (`index` in the list sent), or about the list (`None`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QuestionProblem {
    pub index: Option<usize>,
    /// `label`, `kind`, `options` or `id`.
    pub part: &'static str,
    pub message: String,
}

impl QuestionProblem {
    /// The API's `field`: `questions`, or `questions.{index}.{part}`.
    pub fn field(&self) -> String {
        match self.index {
            Some(index) => format!("questions.{index}.{}", self.part),
            None => "questions".to_owned(),
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= ID_MAX_CHARS
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Validates the questions sent; ids come from `new_id` for questions without one.
pub fn parse_questions(
    inputs: Vec<QuestionInput>,
    mut new_id: impl FnMut() -> String,
) -> Result<Questions, QuestionProblem> {
    if inputs.len() > MAX_QUESTIONS {
        let message = format!("An event type asks at most {MAX_QUESTIONS} questions.");
        return Err(QuestionProblem { index: None, part: "", message });
    }
    let given: HashSet<String> = inputs.iter().filter_map(|q| q.id.clone()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut questions = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let problem = |part, message: String| QuestionProblem { index: Some(index), part, message };
        let id = match input.id.as_deref() {
            Some(id) if !valid_id(id) => {
                return Err(problem("id", format!("A question id is 1 to {ID_MAX_CHARS} letters, digits, _ or -.")));
            }
            Some(id) => id.to_owned(),
            None => std::iter::repeat_with(&mut new_id).find(|id| !given.contains(id) && !seen.contains(id)).unwrap(),
        };
        if !seen.insert(id.clone()) {
            return Err(problem("id", "Two questions have the same id.".to_owned()));
        }
        // Lengths are counted as sent (as the API document declares them), then the label is trimmed.
        let label = input.label.trim().to_owned();
        if label.is_empty() || input.label.chars().count() > LABEL_MAX_CHARS {
            return Err(problem("label", format!("Give the question a label (up to {LABEL_MAX_CHARS} characters).")));
        }
        if input.kind == QuestionKind::Choice {
            let sent = input.options.unwrap_or_default();
            let options: Vec<String> = sent.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect();
            let distinct: HashSet<&str> = options.iter().map(String::as_str).collect();
            if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&options.len())
                || options.len() != sent.len()
                || distinct.len() != options.len()
                || sent.iter().any(|o| o.chars().count() > OPTION_MAX_CHARS)
            {
                return Err(problem(
                    "options",
                    format!(
                        "A choice needs {MIN_OPTIONS} to {MAX_OPTIONS} different options, each up to {OPTION_MAX_CHARS} characters."
                    ),
                ));
            }
            questions.push(Question { id, label, kind: input.kind, required: input.required, options });
        } else if input.options.is_some() {
            return Err(problem("options", "Only a choice question has options.".to_owned()));
        } else {
            questions.push(Question { id, label, kind: input.kind, required: input.required, options: Vec::new() });
        }
    }
    Ok(Questions(questions))
}

/// An answer's value: text (short, long or the option chosen) or a tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AnswerValue {
    Text(String),
    Checked(bool),
}

/// One answer as the booking keeps it: the question's label as it read when booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    pub question_id: String,
    pub label: String,
    /// A string, or `true` / `false` for a checkbox.
    #[schema(value_type = Object)]
    pub value: AnswerValue,
}

impl Answer {
    /// How the host reads the value (mail, calendar, meeting page).
    pub fn value_text(&self) -> &str {
        match &self.value {
            AnswerValue::Text(text) => text,
            AnswerValue::Checked(true) => "Yes",
            AnswerValue::Checked(false) => "No",
        }
    }
}

/// A booking's answers, in the order of the event type's questions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers(pub Vec<Answer>);

impl Answers {
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("answers serialise")
    }
}

impl TryFrom<String> for Answers {
    type Error = serde_json::Error;
    fn try_from(json: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&json).map(Answers)
    }
}

/// Why an answer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerCode {
    AnswerRequired,
    InvalidAnswer,
}

text_forms! {
    AnswerCode { AnswerRequired => "answer_required", InvalidAnswer => "invalid_answer" }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AnswerProblem {
    pub question_id: String,
    pub code: AnswerCode,
    pub message: String,
}

impl AnswerProblem {
    /// The API's `field`: `answers.{QUESTION_ID}`.
    pub fn field(&self) -> String {
        format!("answers.{}", self.question_id)
    }
}

/// Checks the answers sent against the questions: every problem, in question order (unknown ids
/// last), or the answers to keep. An optional checkbox left out is kept as not ticked; other
/// optional questions left out (or blank) have no answer.
pub fn check_answers(questions: &Questions, sent: &BTreeMap<String, Value>) -> Result<Answers, Vec<AnswerProblem>> {
    let mut problems = Vec::new();
    let mut answers = Vec::new();
    for question in &questions.0 {
        let problem = |code, message: String| AnswerProblem { question_id: question.id.clone(), code, message };
        let value = match (question.kind, sent.get(&question.id)) {
            (_, None | Some(Value::Null)) => None,
            (QuestionKind::Checkbox, Some(Value::Bool(ticked))) => Some(AnswerValue::Checked(*ticked)),
            (QuestionKind::Checkbox, Some(_)) => {
                problems.push(problem(AnswerCode::InvalidAnswer, "Answer this question with true or false.".into()));
                continue;
            }
            (kind, Some(Value::String(text))) => {
                // Browsers send line breaks as CR LF: kept as LF, like every other text.
                let text = text.replace("\r\n", "\n");
                let text = text.trim();
                if text.chars().count() > kind.max_chars() {
                    let message = format!("Keep this answer to {} characters.", kind.max_chars());
                    problems.push(problem(AnswerCode::InvalidAnswer, message));
                    continue;
                }
                if kind == QuestionKind::Choice && !text.is_empty() && !question.options.iter().any(|o| o == text) {
                    problems.push(problem(AnswerCode::InvalidAnswer, "Choose one of the offered options.".into()));
                    continue;
                }
                (!text.is_empty()).then(|| AnswerValue::Text(text.to_owned()))
            }
            (_, Some(_)) => {
                problems.push(problem(AnswerCode::InvalidAnswer, "Answer this question with text.".into()));
                continue;
            }
        };
        let value = match value {
            Some(AnswerValue::Checked(false)) | None if question.required => {
                let message = match question.kind {
                    QuestionKind::Checkbox => "Tick this box to book.",
                    QuestionKind::Choice => "Choose one of the options.",
                    _ => "Please answer this question.",
                };
                problems.push(problem(AnswerCode::AnswerRequired, message.into()));
                continue;
            }
            None if question.kind == QuestionKind::Checkbox => AnswerValue::Checked(false),
            None => continue,
            Some(value) => value,
        };
        answers.push(Answer { question_id: question.id.clone(), label: question.label.clone(), value });
    }
    for id in sent.keys().filter(|id| !questions.0.iter().any(|q| &q.id == *id)) {
        problems.push(AnswerProblem {
            question_id: id.chars().take(ID_MAX_CHARS).collect(),
            code: AnswerCode::InvalidAnswer,
            message: "This event type asks no question with this id.".into(),
        });
    }
    if problems.is_empty() { Ok(Answers(answers)) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(label: &str, kind: QuestionKind, options: Option<Vec<&str>>) -> QuestionInput {
        QuestionInput {
            id: None,
            label: label.into(),
            kind,
            required: true,
            options: options.map(|o| o.into_iter().map(str::to_owned).collect()),
        }
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("q{n}")
        }
    }

    #[test]
    fn questions_are_validated_and_get_ids() {
        let q = parse_questions(
            vec![
                input(" Company ", QuestionKind::Text, None),
                input("Size", QuestionKind::Choice, Some(vec!["1-10", " 11-50 "])),
            ],
            ids(),
        )
        .unwrap();
        assert_eq!(q.0[0].id, "q1");
        assert_eq!(q.0[0].label, "Company");
        assert_eq!(q.0[1].options, vec!["1-10", "11-50"]);
        let bad = |inputs, part: &str| {
            let p = parse_questions(inputs, ids()).unwrap_err();
            assert_eq!(p.part, part, "{p:?}");
        };
        bad(vec![input("", QuestionKind::Text, None)], "label");
        bad(vec![input(&"x".repeat(201), QuestionKind::Text, None)], "label");
        bad(vec![input("Size", QuestionKind::Choice, Some(vec!["a"]))], "options");
        bad(vec![input("Size", QuestionKind::Choice, Some(vec!["a", "a"]))], "options");
        bad(vec![input("Size", QuestionKind::Choice, Some(vec!["a", "b", " "]))], "options");
        bad(vec![input("Name", QuestionKind::Text, Some(vec![]))], "options");
        bad(vec![input("Size", QuestionKind::Choice, None)], "options");
        bad(vec![input("Name", QuestionKind::Text, Some(vec!["a", "b"]))], "options");
        bad((0..11).map(|_| input("Q", QuestionKind::Text, None)).collect(), "");
        let mut same = vec![input("A", QuestionKind::Text, None), input("B", QuestionKind::Text, None)];
        same[0].id = Some("x".into());
        same[1].id = Some("x".into());
        bad(same, "id");
        // A new question's id never takes one another question keeps.
        let mut keep = vec![input("A", QuestionKind::Text, None), input("B", QuestionKind::Text, None)];
        keep[1].id = Some("q1".into());
        let q = parse_questions(keep, ids()).unwrap();
        assert_eq!((q.0[0].id.as_str(), q.0[1].id.as_str()), ("q2", "q1"));
    }

    #[test]
    fn answers_follow_their_questions() {
        let mut inputs = vec![
            input("Company", QuestionKind::Text, None),
            input("Size", QuestionKind::Choice, Some(vec!["small", "large"])),
            input("Agree", QuestionKind::Checkbox, None),
            input("More", QuestionKind::LongText, None),
        ];
        inputs[3].required = false;
        let q = parse_questions(inputs, ids()).unwrap();
        let sent = |v: Value| serde_json::from_value::<BTreeMap<String, Value>>(v).unwrap();
        let answers = check_answers(&q, &sent(json!({"q1": " Acme ", "q2": "large", "q3": true}))).unwrap();
        assert_eq!(answers.0.len(), 3, "the optional one left out has no answer");
        assert_eq!(answers.0[0].value, AnswerValue::Text("Acme".into()));
        assert_eq!(answers.0[2].value_text(), "Yes");
        let problems = check_answers(&q, &sent(json!({"q1": "", "q2": "medium", "q3": "yes", "q9": 1}))).unwrap_err();
        let got: Vec<(&str, &str)> = problems.iter().map(|p| (p.question_id.as_str(), p.code.as_str())).collect();
        assert_eq!(
            got,
            [("q1", "answer_required"), ("q2", "invalid_answer"), ("q3", "invalid_answer"), ("q9", "invalid_answer")]
        );
        let problems = check_answers(&q, &sent(json!({"q1": 5, "q2": "small", "q3": false}))).unwrap_err();
        assert_eq!(problems[0].code, AnswerCode::InvalidAnswer);
        assert_eq!(problems[1].code, AnswerCode::AnswerRequired, "a required box must be ticked");
        let long = "x".repeat(TEXT_MAX_CHARS + 1);
        let problems = check_answers(&q, &sent(json!({"q1": long, "q2": "small", "q3": true}))).unwrap_err();
        assert_eq!(problems[0].field(), "answers.q1");
    }
}
