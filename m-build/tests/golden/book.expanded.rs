# [doc = r" A book."] # [derive (Debug)] pub struct Book {
    pub id : i64,
    pub title : String,
    pub year : Option < i32 >,
    pub copies : i32,
    pub author : i64,
    pub isbn : String,
    pub published : chrono :: NaiveDate,
    pub cache : Vec < String >,
}
# [doc (hidden)] # [allow (non_upper_case_globals , clippy :: all)] const _ : () = {
    :: m_runtime :: __private :: feature :: chrono :: < :: m_runtime :: __private :: feature :: Enabled > ();
    const __M_DOCTYPE : :: m_runtime :: __private :: DocTypeDef = :: m_runtime :: __private :: DocTypeDef {
        app : :: core :: env ! ("CARGO_CRATE_NAME"),
        name : "Book",
        table : "book",
        module_path : :: core :: module_path ! (),
        columns : & [
            :: m_runtime :: __private :: ColumnDef {
                name : "id",
                field : "id",
                ty : :: m_runtime :: __private :: LogicalType :: I64,
                nullable : false,
                default : :: core :: option :: Option :: None,
                unique : false,
                index : false,
                renamed_from : & [],
                references : :: core :: option :: Option :: None,
            },
            :: m_runtime :: __private :: ColumnDef {
                name : "title",
                field : "title",
                ty : :: m_runtime :: __private :: LogicalType :: String {
                    max_length : :: core :: option :: Option :: Some (140)
                },
                nullable : false,
                default : :: core :: option :: Option :: None,
                unique : false,
                index : true,
                renamed_from : & ["heading"],
                references : :: core :: option :: Option :: None,
            },
            :: m_runtime :: __private :: ColumnDef {
                name : "year",
                field : "year",
                ty : :: m_runtime :: __private :: LogicalType :: I32,
                nullable : true,
                default : :: core :: option :: Option :: None,
                unique : false,
                index : false,
                renamed_from : & [],
                references : :: core :: option :: Option :: None,
            },
            :: m_runtime :: __private :: ColumnDef {
                name : "copies",
                field : "copies",
                ty : :: m_runtime :: __private :: LogicalType :: I32,
                nullable : false,
                default : :: core :: option :: Option :: Some (:: m_runtime :: __private :: DefaultValue :: Int (1)),
                unique : false,
                index : false,
                renamed_from : & [],
                references : :: core :: option :: Option :: None,
            },
            :: m_runtime :: __private :: ColumnDef {
                name : "author",
                field : "author",
                ty : :: m_runtime :: __private :: LogicalType :: I64,
                nullable : false,
                default : :: core :: option :: Option :: None,
                unique : false,
                index : false,
                renamed_from : & [],
                references : :: core :: option :: Option :: Some (:: m_runtime :: __private :: ReferenceDef { table : < Author as :: m_runtime :: __private :: DocType > :: TABLE , column : < Author as :: m_runtime :: __private :: DocType > :: PRIMARY_KEY , on_delete : :: m_runtime :: __private :: ReferentialAction :: Cascade , }),
            },
            :: m_runtime :: __private :: ColumnDef {
                name : "isbn",
                field : "isbn",
                ty : :: m_runtime :: __private :: LogicalType :: Custom {
                    sql : :: m_runtime :: __private :: Cow :: Borrowed ("varchar(13)")
                },
                nullable : false,
                default : :: core :: option :: Option :: None,
                unique : false,
                index : false,
                renamed_from : & [],
                references : :: core :: option :: Option :: None,
            },
            :: m_runtime :: __private :: ColumnDef {
                name : "published",
                field : "published",
                ty : :: m_runtime :: __private :: LogicalType :: Date,
                nullable : false,
                default : :: core :: option :: Option :: None,
                unique : false,
                index : false,
                renamed_from : & [],
                references : :: core :: option :: Option :: None,
            }
        ],
        primary_key : & ["id"],
        indexes : & [
            :: m_runtime :: __private :: IndexDef {
                name : :: core :: option :: Option :: Some ("book_title_year"),
                columns : & ["title" , "year"],
                unique : true
            }
        ],
        renamed_from : & [],
        retired_columns : & [],
        checks : & [],
    };
    static __M_DOCTYPE_STATIC : :: m_runtime :: __private :: DocTypeDef = __M_DOCTYPE;
    # [automatically_derived] impl :: m_runtime :: __private :: DocType for Book {
        const TABLE : & 'static str = "book";
        const PRIMARY_KEY : & 'static str = "id";
        fn doctype () -> & 'static :: m_runtime :: __private :: DocTypeDef {
            & __M_DOCTYPE_STATIC
        }
    }
    :: m_runtime :: __private :: inventory :: submit ! {
        __M_DOCTYPE
    }
};
